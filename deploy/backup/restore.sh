#!/bin/sh
# Restores ecart services' databases from one backup set written by backup.sh.
#
#   BACKUP_DIR=/backups restore.sh <set> <service>...
#
# Each service's dump goes into the database of its ECART_<SERVICE>_DATABASE_URL (an
# empty database, or one whose ecart objects are replaced: --clean --if-exists), in one
# transaction per service, stopping at the first error. Checks the set's SHA256SUMS first.
# Stop the services (scale to 0) before restoring into a database they use.
set -eu

dest=${BACKUP_DIR:?BACKUP_DIR is not set}
[ $# -ge 2 ] || { echo "usage: restore.sh <set> <service>..." >&2; exit 2; }
set_dir="$dest/$1"
shift
[ -d "$set_dir" ] || { echo "restore: no backup set $set_dir" >&2; exit 1; }
(cd "$set_dir" && sha256sum -c SHA256SUMS >/dev/null) || {
    echo "restore: $set_dir does not match its SHA256SUMS" >&2
    exit 1
}

libpq_url() {
    printf '%s\n' "$1" | sed -e 's#^postgresql+asyncpg://#postgresql://#' \
        -e 's#^postgres://#postgresql://#' -e 's#\([?&]\)ssl=#\1sslmode=#'
}

for service in "$@"; do
    var="ECART_$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
    url=$(printenv "$var") || { echo "restore: $var is not set" >&2; exit 1; }
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
        --exit-on-error --dbname="$(libpq_url "$url")" "$set_dir/$service.dump"
    echo "restore: $service <- $(basename "$set_dir")/$service.dump"
done
