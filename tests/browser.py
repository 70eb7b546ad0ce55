"""Headless Chromium for the tests that look at a page as a browser renders it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def dump_dom(path: Path, profile: Path, *, budget_ms: int = 2000) -> str:
    """The DOM of ``path`` after load as headless Chromium sees it (scripts, if any, have
    run for ``budget_ms`` of virtual time); ``profile`` is a fresh user-data dir."""
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            path.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    return proc.stdout.decode("utf-8")
