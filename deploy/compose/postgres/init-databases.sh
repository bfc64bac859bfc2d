#!/usr/bin/env bash
# PostgreSQL's official image runs this once, on the first start with an empty volume
# (/docker-entrypoint-initdb.d). Each ecart service gets a role and a database of its own,
# `ecart_<service>`, owned by that role; no other role may connect to it. The passwords come
# from PG_<SERVICE>_PASSWORD (deploy/.env). Re-running it is harmless: what exists is kept.
set -euo pipefail

services=(users catalog inventory cart order payment notifications)

for service in "${services[@]}"; do
    password_var="PG_${service^^}_PASSWORD"
    password="${!password_var:?$password_var is not set}"
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="ecart_${service}" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"name" TO :"name";
SQL
    echo "ecart: database and role ecart_${service} ready"
done
