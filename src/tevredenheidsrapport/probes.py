"""What this process may use and has used: cores, CPU seconds and memory (Linux in detail).

Each probe reads the process it is called in; the batch calls them in the process that
renders a report, and in the parent before it forks workers.
"""

from __future__ import annotations

import contextlib
import os
import resource
import sys


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_seconds() -> float:
    """Core-seconds of this process and its finished subprocesses (pandoc) so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def maxrss_mb() -> float:
    """Peak resident memory of this process in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def rss_mb() -> float:
    """Resident memory of this process now, in MB (the peak where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return maxrss_mb()


def pss_mb() -> float | None:
    """Proportional set size in MB: resident memory with pages shared after fork split
    between the processes sharing them (None where /proc does not tell)."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def return_free_memory() -> None:
    """Give memory that reading the data freed back to the system before forking workers.

    Parsing leaves freed blocks in Arrow's pool and in the C heap (some 50 MB for 500
    providers); every worker would otherwise start with them resident. Best effort: only
    where the allocator offers it (glibc's malloc_trim).
    """
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)
