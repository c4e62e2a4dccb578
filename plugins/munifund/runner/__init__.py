"""`munifund run`: one run of the nightly DAG for a date, in-process through Airflow's `dag.test()`.

It takes the warehouse's run lock first (`munifund.warehouse.run_lock`: a second run is
refused, naming this one), then prepares what a scheduler deployment would have (warehouse
schema, Airflow home and metadata database, dbt manifest, landing area), runs the DAG with a
progress display, and prints the published allocation. The run is left as a draft for the
finance bureau; it never waits for a human.

The screen shows the progress and the summary only: everything Airflow and dbt print goes to
`$MUNIFUND_HOME/logs/<as_of>/<run_id>/run.log` (dbt's own log beside it), whose path the summary
gives; `verbose` leaves it all on the screen.

One room a job: `nightly` (the lock, the migrations, the order of the runs), `landing` (the
sample city and its Y-1), `airflow_run` (Airflow's home, the DAG, `dag.test()`), `progress` (the
bar), `logs` (the run's log files), `summary` (what the screen shows after), `outcome`.
"""

from munifund.runner.nightly import operator_name, run_nightly
from munifund.runner.outcome import RunFailed, RunOutcome

__all__ = ["RunFailed", "RunOutcome", "operator_name", "run_nightly"]
