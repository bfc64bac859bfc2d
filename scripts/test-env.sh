#!/usr/bin/env bash
# Prints `export ECART_TEST_…=…` lines for the servers `make services` started, so the
# integration tests (and the PostgreSQL run of the suite) use them:
#   eval "$(bash scripts/test-env.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env.services ] || { echo "no .env.services: run 'make services' first" >&2; exit 1; }
value() { grep "^$1=" .env.services | head -n 1 | cut -d= -f2-; }
pg_port=$(cat .services/postgres.port)
pg_password=$(cat .services/secrets/pg-postgres)
echo "export ECART_TEST_KAFKA='$(value ECART_KAFKA_BOOTSTRAP_SERVERS)'"
echo "export ECART_TEST_REDIS='$(value ECART_REDIS_URL)'"
# Kafka's second listener, which demands SASL/PLAIN as user `ecart`.
echo "export ECART_TEST_KAFKA_SASL='127.0.0.1:$(cat .services/kafka-sasl.port)'"
echo "export ECART_TEST_KAFKA_SASL_PASSWORD='$(cat .services/secrets/kafka-ecart)'"
echo "export ECART_TEST_POSTGRES_URL='postgresql://postgres:${pg_password}@127.0.0.1:${pg_port}/postgres'"
