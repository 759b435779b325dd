#!/usr/bin/env bash
# Runs once, when the warehouse-postgres volume is first initialised (postgres image convention:
# /docker-entrypoint-initdb.d). Creates:
#   - schema `marts`, owned by the pipeline's role (POSTGRES_USER), where published marts land;
#   - role `bi_reader` (password WAREHOUSE_BI_PASSWORD) that BI tools use: it can read `marts`,
#     including tables the pipeline creates later, and cannot write anything.
# The password is passed as a psql variable, never spliced into SQL text by the shell.
set -euo pipefail

: "${WAREHOUSE_BI_PASSWORD:?WAREHOUSE_BI_PASSWORD must be set}"

psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
    -v owner="${POSTGRES_USER}" -v db="${POSTGRES_DB}" -v bi_password="${WAREHOUSE_BI_PASSWORD}" <<'SQL'
CREATE SCHEMA IF NOT EXISTS marts AUTHORIZATION :"owner";
CREATE ROLE bi_reader LOGIN PASSWORD :'bi_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO bi_reader;
GRANT USAGE ON SCHEMA marts TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA marts TO bi_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA marts GRANT SELECT ON TABLES TO bi_reader;
ALTER ROLE bi_reader SET default_transaction_read_only = on;
SQL
