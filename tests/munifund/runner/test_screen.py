"""`munifund run` in a real terminal: the screen holds the progress display and the summary,
everything Airflow and dbt write goes to the run's log file (issue 27 item 4).

In a terminal rich's live displays take over sys.stdout and sys.stderr and print what is written
there above the bar; without a terminal they do not, which is how 940 to 3,600 lines of Airflow
and dbt reached operators' screens while the tests without a terminal saw none. So this runs the
runner's own display and capture (`logs.captured_output`, `logs.quiet_status`,
`airflow_run.test_dag`) in a child process on a pseudo-terminal of 80 columns, around a DAG
whose `test()` writes the way Airflow and dbt do: print, sys.stderr, logging, the file
descriptors, a child process.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import datetime as dt, logging, os, subprocess, sys
    from pathlib import Path
    from types import SimpleNamespace
    from rich.console import Console
    from munifund.runner.airflow_run import test_dag
    from munifund.runner.logs import captured_output, quiet_status

    class NoisyDag:
        tasks = [1, 2, 3]
        def test(self, **_):
            logging.basicConfig(level=logging.INFO)
            for i in range(200):
                print(f"NOISE print {i}")
                print(f"NOISE stderr {i}", file=sys.stderr)
                logging.getLogger("airflow.task").info("NOISE logging %s", i)
            os.write(1, b"NOISE fd\\n")
            subprocess.run([sys.executable, "-c", "print('NOISE child')"], check=True)
            return SimpleNamespace(state="success", get_task_instances=lambda: [])

    console = Console()
    log = Path(sys.argv[1])
    settings = SimpleNamespace(airflow_home=log.parent)
    with captured_output(log, console, verbose=False):
        with quiet_status(console, "preparing"):
            print("NOISE while preparing")
        test_dag(NoisyDag(), settings, console, dt.datetime(2026, 11, 27, 18, tzinfo=dt.UTC))
    console.print("SUMMARY the allocation")
    """
)


def _run_in_terminal(argv: list[str], columns: int = 80) -> bytes:
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of `columns` columns
        os.environ.update(COLUMNS=str(columns), LINES="40", TERM="xterm-256color")
        os.execv(argv[0], argv)
    out = bytearray()
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out.decode("utf-8", "replace")[-2000:]
    return bytes(out)


def test_the_screen_holds_the_display_and_the_summary_only(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    log = tmp_path / "run.log"
    screen = _run_in_terminal([sys.executable, str(script), str(log)]).decode("utf-8", "replace")
    assert "SUMMARY the allocation" in screen
    assert "preparing" in screen  # a live display, drawn on the terminal
    assert "NOISE" not in screen, [line for line in screen.splitlines() if "NOISE" in line][:5]
    written = log.read_text(encoding="utf-8")
    for noise in ("NOISE print 199", "NOISE stderr 199", "NOISE logging 199", "NOISE fd",
                  "NOISE child", "NOISE while preparing"):  # fmt: skip
        assert noise in written, noise


def test_the_child_really_had_a_terminal(tmp_path: Path) -> None:
    """The test above means something only if rich saw a terminal there."""
    probe = "import sys; from rich.console import Console; print(Console().is_terminal, Console().width)"
    screen = _run_in_terminal([sys.executable, "-c", probe]).decode()
    assert screen.split() == ["True", "80"]
    assert (
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True
        ).stdout.split()[0]
        == "False"
    )
