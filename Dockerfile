# The pipeline on Airflow's official image: munifund installed with the locked dependencies,
# the dbt manifest parsed at build time so that DAG parsing needs no dbt run.
FROM apache/airflow:3.3.2-python3.11

USER root
COPY --chown=airflow:root . /opt/munifund
USER airflow
WORKDIR /opt/munifund
# Export the lock to pip's format so the image resolves exactly the versions of uv.lock, with the
# deployment's (Celery) and the object store's (S3) extras; Airflow itself stays the image's own.
RUN pip install --no-cache-dir "uv==0.13.8" \
    && uv export --frozen --no-dev --extra deploy --extra s3 --no-emit-project --no-hashes -o /tmp/requirements.txt \
    && grep -vE '^(apache-airflow|apache-airflow-core|apache-airflow-task-sdk)==' /tmp/requirements.txt > /tmp/req.txt \
    && pip install --no-cache-dir --compile -r /tmp/req.txt \
    && pip install --no-cache-dir --no-deps -e /opt/munifund \
    && python -c "from munifund.dbt_project import ensure_manifest; ensure_manifest(force=True)"
WORKDIR /opt/airflow
