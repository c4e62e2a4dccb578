"""`MUNIFUND_HOME` is private to its user: the warehouse's credentials, Airflow's metadata, the
review packs and the run logs are nobody else's to read.

Every `munifund` command (and the embedded server's start, for callers that are no command)
makes the home 0700 before writing into it and sets the process's umask to 077, so what it
creates is 0700 (folders) and 0600 (files) from its first write, not after a chmod. A home
left readable by an earlier version is tightened once, with what it holds.

As root, the embedded server runs as a system user of its own (PostgreSQL refuses root), which
must pass through the home to its data folder: the home and `warehouse/` then belong to that
user, still 0700 (root reads and writes them whatever their owner), rather than opened to
everyone (`munifund.warehouse.embedded`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def private_home(home: Path) -> Path:
    """The home, created 0700 or tightened to it; the process's umask 077 from here on."""
    os.umask(PRIVATE_UMASK)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(home.stat().st_mode) & 0o077:
        tighten(home)
    return home


def tighten(home: Path) -> None:
    """Folders 0700 and files 0600 under the home, links left as they are (not followed).

    Only what this user may change: a home shared with another account (a deployment's volume,
    owned by its own user) is that account's to close, and no command fails over it."""
    _private(home, 0o700)
    for folder, folders, files in os.walk(home):
        for name in folders:
            _private(Path(folder, name), 0o700)
        for name in files:
            path = Path(folder, name)
            _private(path, stat.S_IMODE(path.lstat().st_mode) & 0o700 | 0o600)


def _private(path: Path, mode: int) -> None:
    if path.is_symlink():
        return
    try:
        path.chmod(mode)
    except PermissionError:
        pass
