"""Debian's chromium, headless, for the tests that open the review page in a browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium with ``args`` and a throwaway profile under ``tmp_path``; fails the test if it
    is not installed."""
    if not CHROMIUM.exists():
        pytest.fail("install Debian's chromium: apt-get install -y chromium")
    profile = tmp_path / "chromium-profile"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
