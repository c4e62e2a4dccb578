"""A landing area on S3, as production runs it: `MUNIFUND_LANDING=s3://<connection>@<bucket>/...`
read through Airflow's ObjectStoragePath, the credentials and endpoint from an Airflow connection.
S3 is moto's server on a local port (no network)."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator

import pytest

from munifund.ingest.loader import ingest

D1 = dt.date(2026, 1, 1)
CONNECTION = "munifund_landing_test"


@pytest.fixture(scope="module")
def s3(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[object]:
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch_module.setenv(
        f"AIRFLOW_CONN_{CONNECTION.upper()}",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "munifund-test",
                "password": "munifund-test",
                "extra": {"endpoint_url": endpoint, "region_name": "cn-north-1"},
            }
        ),
    )
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="munifund-test",
        aws_secret_access_key="munifund-test",
        region_name="cn-north-1",
    )
    client.create_bucket(
        Bucket="landing", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"}
    )
    yield client
    server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_landing_area_on_s3_loads_with_the_connection_s_credentials(empty_warehouse, s3) -> None:
    from munifund.tasks import _landing_path

    def put(key: str, body: str) -> None:
        s3.put_object(Bucket="landing", Key=f"harbin/{key}", Body=body.encode())  # type: ignore[attr-defined]

    put("districts/2026-01-01/d.csv", "district_code,name_zh,name_en\n230102,道里区,Daoli\n")
    put(
        "kiosks/2026-01-01/k.csv",
        "kiosk_id,district_code,street_code,kiosk_type,permit_no,area_m2,"
        "monthly_rate_yuan_per_m2,licensed_from,licensed_to\nK1,230102,,newsstand,P1,4,9.00,2026-01-01,\n",
    )
    put(
        "fee_collections/2026-01-01/f.csv",
        "receipt_id,kiosk_id,district_code,paid_at,amount_yuan\n"
        "R1,K1,230102,2026-01-05T10:00:00,36.00\nR2,K9,230102,2026-01-05T10:00:00,1.00\n",
    )
    landing = _landing_path(f"s3://{CONNECTION}@landing/harbin")
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        assert report.rows_loaded == 3 and report.rows_quarantined == 1
        assert conn.execute("select name_zh from raw.districts").fetchall() == [("道里区",)]
        assert conn.execute(
            "select file, line, column_name, problem from ops.quarantine"
            " where source = 'fee_collections'"
        ).fetchall() == [("f.csv", 3, "kiosk_id", "引用的记录不存在 / unknown kiosk: K9")]
        # S3 keeps a modification time: an untouched object is not read again
        assert ingest(conn, landing, D1, "run-2").files == []
        put(
            "fee_collections/2026-01-01/f.csv",
            "receipt_id,kiosk_id,district_code,paid_at,amount_yuan\n"
            "R1,K1,230102,2026-01-05T10:00:00,35.50\n",
        )
        assert [f.file for f in ingest(conn, landing, D1, "run-3").files] == ["f.csv"]
        assert conn.execute(
            "select receipt_id, amount_yuan from raw.fee_collections"
        ).fetchall() == [("R1", "35.50")]
