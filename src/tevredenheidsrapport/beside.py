"""One function run in a forked child beside this process, its result read back.

For work that can run on a second core while this process does other work with the same
data: the child inherits the data (fork), runs the function and writes its pickled result
to a pipe. Only the result is sent, never what the child inherited: the grade disclosures
of a period, or the period that ``tevreden render``'s helper read (tens of megabytes, which
is what the larger pipe buffer is for). Nothing depends on the child: when it fails, dies,
takes too long, or the platform cannot fork, :func:`beside` reports no result and the
caller works it out itself.

When the work is a list of pure computations, :class:`SharedRange` shares it out: the child
takes items from the front and this process, once its own work is done, from the back, so
both end at about the same time whatever each item costs.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO, TypeVar

T = TypeVar("T")

#: How long :class:`Child` waits for a result by default: far longer than any it computes.
CHILD_TIMEOUT_S = 600.0
#: The pipe's buffer where the system lets it be set (Linux; 1 MiB is the most an
#: unprivileged process may ask for): a result of tens of megabytes (a period read by
#: ``tevreden render``'s helper) then passes in one read a megabyte, not one per 64 KiB.
PIPE_BYTES = 1 << 20


#: How the first byte of what a child writes to the pipe says where its result is: the rest
#: of the pipe, or the shared memory of :func:`beside`'s ``room`` (the pipe then holds its
#: length).
_IN_PIPE, _IN_MEMORY = b"P", b"M"
#: The length of a result in shared memory, as the pipe holds it (``struct`` format).
_LENGTH = "=q"
#: The share of the address space still free under a limit (``RLIMIT_AS``) that the shared
#: memory of :func:`beside` may reserve at most: a mapping counts in full against such a
#: limit, written or not, and what the process maps later (a library it imports) must fit.
ROOM_SHARE_OF_FREE = 0.25


def _dump(value: object, file) -> None:
    pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)


class Child:
    """The child of :func:`beside`: call it for its result (None when it failed)."""

    def __init__(self, pid: int | None, read_end: int | None, memory: mmap.mmap | None = None):
        self.pid = pid
        self._read_end = read_end
        self._memory = memory
        self.reaped = pid is None

    def __call__(self, timeout: float = CHILD_TIMEOUT_S):
        """Wait for the result (None when the child failed); a child that has not sent its
        whole result after ``timeout`` seconds (hung, say on a lock another thread held
        when this process forked) is stopped and has no result."""
        if self.pid is None or self._read_end is None:
            return None
        deadline = time.monotonic() + timeout
        ready = select.poll()  # not select(): that fails on a descriptor above 1023
        ready.register(self._read_end, select.POLLIN)
        chunks = []
        while ready.poll(max(0, round((deadline - time.monotonic()) * 1000))):
            chunk = os.read(self._read_end, 1 << 20)
            if not chunk:  # the child closed the pipe: the whole result is here
                _, status = os.waitpid(self.pid, 0)
                self.reaped = True
                break
            chunks.append(chunk)
        if not self.reaped:
            self.stop()
            return None
        if status != 0 or not chunks:
            return None
        try:
            return self._result(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a garbled result is no result
            return None
        finally:
            self._release()

    def _result(self, sent: bytes):
        """The result the pipe's bytes ``sent`` hold, or name in the shared memory (read
        there, without a copy of its bytes)."""
        if sent[:1] == _IN_MEMORY and self._memory is not None:
            (length,) = struct.unpack_from(_LENGTH, sent, 1)
            with memoryview(self._memory) as whole, whole[:length] as view:
                return pickle.loads(view)
        if sent[:1] == _IN_PIPE:
            with memoryview(sent) as whole, whole[1:] as view:
                return pickle.loads(view)
        return None

    def stop(self) -> None:
        """Close the pipe and, unless its result was read, stop and reap the child."""
        if self._read_end is not None:
            os.close(self._read_end)
            self._read_end = None
        if not self.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.reaped = True
        self._release()

    def _release(self) -> None:
        """Unmap the shared memory (the child has its own mapping until it ends)."""
        if self._memory is not None:
            with contextlib.suppress(BufferError):  # a view still held: the collector's
                self._memory.close()
            self._memory = None


def room_within_limit(size: int) -> int:
    """``size``, or less where the process's address space is limited (``RLIMIT_AS``): at
    most :data:`ROOM_SHARE_OF_FREE` of what is still free under the limit, so that the
    mapping never takes the room of what the process maps later."""
    try:
        import resource

        limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):  # pragma: no cover - no such limit here
        return size
    if limit == resource.RLIM_INFINITY:
        return size
    try:  # the address space in use: the first field of statm, in pages
        with open("/proc/self/statm", "rb") as statm:
            used = int(statm.read().split()[0]) * mmap.PAGESIZE
    except (OSError, ValueError, IndexError):  # no /proc: assume half is in use
        used = limit // 2
    return max(0, min(size, int((limit - used) * ROOM_SHARE_OF_FREE)))


def _shared_memory(size: int) -> mmap.mmap | None:
    """Up to ``size`` bytes of memory this process shares with the children it forks (an
    anonymous mapping: only the pages written take memory; less under an address-space
    limit, :func:`room_within_limit`); None when there is none."""
    size = room_within_limit(size)
    if size <= 0:
        return None
    try:
        return mmap.mmap(-1, size)
    except (OSError, ValueError):  # a system that refuses the mapping: the pipe does
        return None


@contextlib.contextmanager
def beside(
    fn: Callable[[], T], *, room: int = 0, dump: Callable[[object, BinaryIO], None] = _dump
) -> Iterator[Child]:
    """Start ``fn()`` in a forked child; yields the :class:`Child`, which, called, waits for
    it and returns what ``fn`` returned, or None when it failed (or none was started).

    The result is written with ``dump(result, file)`` (pickle's, or one with a dispatch
    table of its own) and read back with ``pickle.loads``. With ``room``, a result of up to
    that many bytes is written into memory both processes share and read there: a result
    of tens of megabytes then costs neither the copies into and out of a pipe nor the
    parent's chunks of it (a result that does not fit goes through the pipe).

    Leaving the block stops a child whose result was not read, so an exception here never
    leaves it behind (a child with a result larger than the pipe waits for its reader)."""
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: the caller does the work
        yield Child(None, None)
        return
    memory = _shared_memory(room)
    read_end, write_end = os.pipe()
    with contextlib.suppress(ImportError, AttributeError, OSError):  # else the default
        import fcntl

        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, which never returns
        code = 1
        try:
            os.close(read_end)
            gc.disable()  # a short-lived process: no cycle needs collecting
            _send(fn(), write_end, memory, dump)
            code = 0
        except BaseException:  # noqa: BLE001, S110 - the parent works it out itself
            pass
        finally:
            os._exit(code)
    os.close(write_end)
    child = Child(pid, read_end, memory)
    try:
        yield child
    finally:
        child.stop()


def _send(value, write_end: int, memory: mmap.mmap | None, dump) -> None:  # pragma: no cover
    """Write a child's result: into ``memory`` when it fits there, else into the pipe."""
    with os.fdopen(write_end, "wb") as pipe:
        if memory is not None:
            try:
                dump(value, memory)
            except ValueError:  # larger than the room ("data out of range"): the pipe
                pass
            else:
                pipe.write(_IN_MEMORY + struct.pack(_LENGTH, memory.tell()))
                return
        pipe.write(_IN_PIPE)
        dump(value, pipe)


class SharedRange:
    """The indices ``0 .. n-1`` of a list of work, shared between a process and the child it
    forks (:func:`beside`), without a lock: the child takes indices from the front
    (:meth:`front`), the parent from the back (:meth:`back`), each publishing its claim in
    memory both see (an anonymous shared mapping) before it computes the item.

    A process stops at the first index the other has claimed. Reading a claim the other is
    just moving can only make an index look unclaimed, never claimed: where the two meet,
    one item may then be computed by both (the work must be a pure function, whose results
    are the same in either process), and none is left out. Without a second process (no
    fork, a child that died) :meth:`back` simply runs to the front of the range."""

    _SLOTS = struct.Struct("=qq")  # what the child has claimed, and where the parent's start

    def __init__(self, n: int):
        self.n = n
        self._memory = mmap.mmap(-1, self._SLOTS.size)  # shared with every fork of this one
        self._SLOTS.pack_into(self._memory, 0, 0, n)

    def _claims(self) -> tuple[int, int]:
        return self._SLOTS.unpack_from(self._memory, 0)

    def front(self) -> Iterator[int]:
        """The child's indices: from 0 up to where the parent's begin."""
        i = 0
        while i < self._claims()[1]:
            struct.pack_into("=q", self._memory, 0, i + 1)
            yield i
            i += 1

    def back(self) -> Iterator[int]:
        """The parent's indices: from n-1 down to where the child's end."""
        j = self.n - 1
        while j >= self._claims()[0]:
            struct.pack_into("=q", self._memory, 8, j)
            yield j
            j -= 1
