"""Kill a batch with SIGKILL halfway: no truncated output ever, and the next run completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tevredenheidsrapport.demo import DEFAULT_PERIODS, generate

COMPLETE = {
    ".html": lambda b: b.rstrip().endswith(b"</html>"),
    ".pdf": lambda b: b.startswith(b"%PDF") and b.rstrip().endswith(b"%%EOF"),
    ".json": lambda b: json.loads(b) is not None,
}


def check_complete(out) -> int:
    """Every visible HTML, PDF and JSON under ``out`` is whole; returns how many there are."""
    n = 0
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in COMPLETE and not path.name.startswith("."):
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # replaced between listing and reading
                continue
            assert COMPLETE[path.suffix](data), f"truncated: {path}"
            n += 1
    return n


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_halfway_then_rerun(tmp_path):
    data = tmp_path / "data"
    generate(data, n_providers=5, periods=[p for p in DEFAULT_PERIODS if p.period == "2025"])
    out, work = tmp_path / "out", tmp_path / "work"
    cmd = [
        sys.executable,
        "-m",
        "tevredenheidsrapport.cli",
        "batch",
        "--data",
        str(data),
        "--out",
        str(out),
        "--work",
        str(work),
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 240
    seen = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            seen = check_complete(out) if out.exists() else 0
            if seen >= 6:  # a few reports are done, others are being written
                break
            time.sleep(0.05)
        assert proc.poll() is None, (
            "the batch finished before it could be killed; make the data larger"
        )
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    check_complete(out)
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert check_complete(out) >= 5 * 3
    leftovers = [p for p in out.rglob(".*.part")]
    assert not leftovers, leftovers
