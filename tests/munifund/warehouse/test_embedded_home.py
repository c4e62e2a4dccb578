"""The embedded warehouse's home is private and its port stable: a fresh `MUNIFUND_HOME`
is 0700 with everything in it 0700 or 0600 from the first write, a home left open by an
earlier version is closed, and a restart keeps the port that saved connections name."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

MUNIFUND = [sys.executable, "-c", "from munifund.cli import main; main()"]


def munifund(home: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MUNIFUND_", "AIRFLOW_CONN"))}
    env["MUNIFUND_HOME"] = str(home)
    done = subprocess.run(
        [*MUNIFUND, *args], env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def modes(home: Path) -> dict[str, int]:
    """Every path under the home with its mode, the server's own data folder left out (its
    modes are PostgreSQL's: 0700 and 0600 too, but read only by its owner)."""
    found = {".": stat.S_IMODE(home.stat().st_mode)}
    for path in home.rglob("*"):
        relative = path.relative_to(home)
        if relative.parts[:2] == ("warehouse", "data") and len(relative.parts) > 2:
            continue
        found[str(relative)] = stat.S_IMODE(path.lstat().st_mode)
    return found


def fresh_home() -> Path:
    # not under pytest's own temporary folder: every pytest session on the machine makes
    # /tmp/pytest-of-<user> 0700 again, and the server's system user (as root) must pass it
    return Path(tempfile.mkdtemp(prefix="munifund-home-")) / "home"


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    home = fresh_home()
    yield home
    munifund(home, "warehouse", "stop")
    shutil.rmtree(home.parent, ignore_errors=True)


def test_a_new_home_is_private_from_the_first_write(home: Path) -> None:
    os.umask(0o022)  # the usual umask, which left the home and its files readable by all
    munifund(home, "warehouse", "url")
    found = modes(home)
    assert {"warehouse/credentials.json", "warehouse/port", "warehouse/data"} <= set(found)
    loose = {path: oct(mode) for path, mode in found.items() if mode & 0o077}
    assert loose == {}
    assert not (home / "warehouse" / ".initdb-pw").exists()


def test_the_port_is_kept_across_a_restart(home: Path) -> None:
    import psycopg

    url = munifund(home, "warehouse", "url").strip()
    # a session open at the stop, which the server ends: the port's side of it then waits in
    # TIME_WAIT, which must not make the port look taken
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select 1")
        assert munifund(home, "warehouse", "stop").strip() == "stopped"
    assert munifund(home, "warehouse", "url").strip() == url
    port = url.rsplit(":", 1)[1].split("/")[0]
    assert (home / "warehouse" / "port").read_text().strip() == port


def test_a_home_left_readable_is_closed_with_what_it_holds(home: Path) -> None:
    reviews = home / "reviews" / "2026-11-28"
    reviews.mkdir(parents=True)
    (reviews / "review.html").write_text("<p>draft</p>")
    for path in (home, home / "reviews", reviews):
        path.chmod(0o755)
    (reviews / "review.html").chmod(0o644)
    munifund(home, "warehouse", "url")
    assert {path: oct(mode) for path, mode in modes(home).items() if mode & 0o077} == {}


def test_a_taken_port_is_refused_in_one_line() -> None:
    import socket

    home = fresh_home()
    (home / "warehouse").mkdir(parents=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        (home / "warehouse" / "port").write_text(f"{port}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MUNIFUND_")}
        done = subprocess.run(
            [*MUNIFUND, "warehouse", "url"], env={**env, "MUNIFUND_HOME": str(home)},
            capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
    shutil.rmtree(home.parent, ignore_errors=True)
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: the embedded warehouse's port {port} (kept in")
    assert len(done.stderr.splitlines()) == 1
