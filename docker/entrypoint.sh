#!/usr/bin/env bash
# Entrypoint of the Listener image (docker/Dockerfile).
#
#   init                    migrate the Airflow metadata DB and create or update the admin user
#                           from AIRFLOW_ADMIN_* variables, then exit (the airflow-init service)
#   api-server, scheduler, dag-processor, triggerer, celery, db, dags, tasks, users, ...
#                           run that Airflow command: `celery worker` -> `airflow celery worker`
#   anything else           run as given: bash, python, airflow, listener, dbt ...
set -euo pipefail

airflow_commands=" api-server assets backfill celery cheat-sheet config connections dag-processor
  dags db db-manager fab-db info jobs partitions permissions-cleanup plugins pools providers
  roles rotate-fernet-key scheduler standalone state-store sync-perm tasks teams triggerer users
  variables version "

init() {
    : "${AIRFLOW_ADMIN_USERNAME:?AIRFLOW_ADMIN_USERNAME must be set}"
    : "${AIRFLOW_ADMIN_PASSWORD:?AIRFLOW_ADMIN_PASSWORD must be set}"
    : "${AIRFLOW_ADMIN_EMAIL:?AIRFLOW_ADMIN_EMAIL must be set}"

    echo "listener-init: Airflow $(airflow version)"
    echo "listener-init: migrating the metadata database (Airflow and FAB tables)"
    airflow db migrate

    # `users create` leaves an existing user alone; `reset-password` then makes .env the single
    # source of the admin password, so rotating it is: edit .env, `docker compose up -d`.
    echo "listener-init: ensuring admin user '${AIRFLOW_ADMIN_USERNAME}'"
    airflow users create \
        --username "${AIRFLOW_ADMIN_USERNAME}" \
        --password "${AIRFLOW_ADMIN_PASSWORD}" \
        --email "${AIRFLOW_ADMIN_EMAIL}" \
        --firstname Listener --lastname Admin --role Admin
    airflow users reset-password \
        --username "${AIRFLOW_ADMIN_USERNAME}" \
        --password "${AIRFLOW_ADMIN_PASSWORD}"

    mkdir -p "${AIRFLOW_HOME}/logs" "${LISTENER_DATA_DIR}"
    echo "listener-init: done"
}

if [[ $# -eq 0 ]]; then
    set -- version
fi

if [[ "$1" == "init" ]]; then
    init
elif [[ "${airflow_commands}" == *[[:space:]]"$1"[[:space:]]* ]]; then
    exec airflow "$@"
else
    exec "$@"
fi
