#!/bin/sh
# Backs up every ecart service's PostgreSQL database with pg_dump (what the chart's backup
# CronJob runs; POSIX sh, so it runs in the postgres:*-alpine image too).
#
#   BACKUP_DIR=/backups BACKUP_SERVICES="users catalog" BACKUP_RETENTION=14 backup.sh
#
# Reads each service's URL from ECART_<SERVICE>_DATABASE_URL (the services' own setting;
# `postgresql+asyncpg://` is turned into libpq's `postgresql://`). Writes one set per run:
# <BACKUP_DIR>/<UTC timestamp>/<service>.dump (pg_dump's custom format) and SHA256SUMS.
# A set is written under a hidden name and renamed when complete, so a failed run never
# leaves a set that looks whole. Then keeps the BACKUP_RETENTION newest sets.
set -eu

dest=${BACKUP_DIR:?BACKUP_DIR is not set}
services=${BACKUP_SERVICES:?BACKUP_SERVICES is not set}
retention=${BACKUP_RETENTION:-14}

libpq_url() {
    printf '%s\n' "$1" | sed -e 's#^postgresql+asyncpg://#postgresql://#' \
        -e 's#^postgres://#postgresql://#' -e 's#\([?&]\)ssl=#\1sslmode=#'
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
work="$dest/.incomplete-$stamp"
rm -rf "$work"
mkdir -p "$work"
for service in $services; do
    var="ECART_$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
    url=$(printenv "$var") || { echo "backup: $var is not set" >&2; exit 1; }
    pg_dump --format=custom --no-owner --no-privileges \
        --file="$work/$service.dump" --dbname="$(libpq_url "$url")"
    echo "backup: $service -> $stamp/$service.dump"
done
(cd "$work" && sha256sum -- *.dump >SHA256SUMS)
mv "$work" "$dest/$stamp"
echo "backup: set $stamp complete"

# Retention: the newest $retention complete sets stay (names sort by time).
kept=0
for set in $(ls -1d "$dest"/[0-9]*Z 2>/dev/null | sort -r); do
    kept=$((kept + 1))
    if [ "$kept" -gt "$retention" ]; then
        rm -rf "$set"
        echo "backup: removed old set $(basename "$set")"
    fi
done
