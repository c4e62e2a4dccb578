"""The progress display of a `munifund run`: task states read from Airflow's SQLite metadata
while `dag.test()` runs in the same process."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from rich.progress import Progress

DAG_ID = "municipal_maintenance_funding"


class TaskWatcher(threading.Thread):
    """Reads task states from Airflow's SQLite metadata while dag.test() runs, for the display."""

    def __init__(self, db_path: Path, progress: Progress, task_count: int) -> None:
        super().__init__(daemon=True)
        self.db_path = db_path
        self.progress = progress
        self.bar = progress.add_task("starting", total=task_count)
        self.stop = threading.Event()
        self.started_at = time.time()
        # only a DAG run created after this one started is this run's: an earlier run's finished
        # tasks would fill the bar at once (and stop its clock) before dag.test() made its own
        try:
            self.after_id = self._query("select coalesce(max(id), 0) from dag_run", [])[0][0]
        except sqlite3.Error:
            self.after_id = 0

    def _query(self, sql: str, params: list) -> list[tuple]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=0.2) as db:
            return db.execute(sql, params).fetchall()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                rows = self._query(
                    "select ti.task_id, ti.state from task_instance ti"
                    " join dag_run dr on dr.run_id = ti.run_id and dr.dag_id = ti.dag_id"
                    " where ti.dag_id = ? and dr.id = (select max(id) from dag_run"
                    " where dag_id = ? and id > ?)",
                    [DAG_ID, DAG_ID, self.after_id],
                )
            except sqlite3.Error:
                continue
            done = sum(
                1 for _, s in rows if s in ("success", "failed", "skipped", "upstream_failed")
            )
            running = [t for t, s in rows if s == "running"]
            self.progress.update(
                self.bar, completed=done, description=running[0] if running else "…"
            )

    def finish(self, dag_run) -> None:
        """The last count from the run itself: the bar ends at N/N when every task finished."""
        if dag_run is None:
            return
        finished = [
            ti
            for ti in dag_run.get_task_instances()
            if str(ti.state).rsplit(".", 1)[-1]
            in ("success", "failed", "skipped", "upstream_failed")
        ]
        self.progress.update(
            self.bar, completed=len(finished), description=str(dag_run.state).rsplit(".", 1)[-1]
        )
