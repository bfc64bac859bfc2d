#!/usr/bin/env bash
# Local PostgreSQL, Redis and a single-node Kafka (KRaft) for ecart, without Docker.
#
#   scripts/services.sh start    install what is missing, start what is not running, wait until
#                                each answers, write .env.services (idempotent)
#   scripts/services.sh stop     stop what `start` started (by the PIDs in its own pid files)
#   scripts/services.sh status   what runs, on which port
#   scripts/services.sh env      print .env.services
#
# State (data, logs, pid files, generated passwords) lives in .services/ of the repo; the Kafka
# jars are cached in ${ECART_SERVICES_CACHE:-$HOME/.cache/ecart-services}. Ports (127.0.0.1
# only): ECART_PG_PORT (55432), ECART_REDIS_PORT (56379), ECART_KAFKA_PORT (59092) and
# ECART_KAFKA_CONTROLLER_PORT (59093). A PostgreSQL or Redis the machine runs of its own is
# never touched: this script only ever signals processes whose pid files its servers wrote.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.services"
ENV_FILE="$ROOT/.env.services"
KAFKA_FILES="$ROOT/scripts/services/kafka"
KAFKA_VERSION=4.3.1
CACHE="${ECART_SERVICES_CACHE:-$HOME/.cache/ecart-services}"
KAFKA_LIB="$CACHE/kafka-$KAFKA_VERSION/lib"
# Services with a database (src/ecart/registry.py, database=True): one role and database each.
DB_SERVICES=(users catalog inventory cart order payment notifications)
PG_SUPERUSER=postgres

log() { printf '[services] %s\n' "$*" >&2; }
die() {
    printf '[services] error: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- ports and state

# A port: the environment's, else the one the last `start` used, else the default.
port_of() { # NAME ENV_VAR DEFAULT
    local recorded="$STATE/$1.port"
    if [[ -n "${!2:-}" ]]; then
        printf '%s\n' "${!2}"
    elif [[ -s $recorded ]]; then
        cat "$recorded"
    else
        printf '%s\n' "$3"
    fi
}

load_ports() {
    PG_PORT="$(port_of postgres ECART_PG_PORT 55432)"
    REDIS_PORT="$(port_of redis ECART_REDIS_PORT 56379)"
    KAFKA_PORT="$(port_of kafka ECART_KAFKA_PORT 59092)"
    KAFKA_CONTROLLER_PORT="$(port_of kafka-controller ECART_KAFKA_CONTROLLER_PORT 59093)"
    KAFKA_SASL_PORT="$(port_of kafka-sasl ECART_KAFKA_SASL_PORT 59094)"
}

# True when something (anything) accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() { # PORT WHAT ENV_VAR
    if port_open "$1"; then
        die "127.0.0.1:$1 is already taken by another process (not one this script started); \
pick another port for $2 with $3=..."
    fi
}

# The PID in PIDFILE if that process is alive and its command line contains every PATTERN.
live_pid() { # PIDFILE PATTERN...
    local pidfile="$1" pid cmdline pattern
    shift
    [[ -s $pidfile ]] || return 1
    pid="$(head -n1 "$pidfile" | tr -dc '0-9')"
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    for pattern in "$@"; do
        [[ $cmdline == *"$pattern"* ]] || return 1
    done
    printf '%s\n' "$pid"
}

# SIGTERM to PID, then wait up to SECONDS for it to exit (SIGKILL after that).
stop_pid() { # PID NAME SECONDS
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < $3 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$2 (pid $pid) did not stop in $3 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

new_secret() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# ---------------------------------------------------------------- installing

APT_UPDATED=0
apt_install() { # PACKAGE...
    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null || die "need root (or sudo) to apt-get install $*"
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null || die "$* missing and no apt-get here: install them yourself"
    if [[ $APT_UPDATED -eq 0 ]]; then
        log "apt-get update"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Debian keeps initdb and pg_ctl off PATH, in /usr/lib/postgresql/<version>/bin.
find_pg_bin() {
    local dir
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dir="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
        [[ -x $dir/initdb && -x $dir/psql ]] && printf '%s\n' "$dir" && return 0
    fi
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
        sort -V | tail -n1)"
    [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] && printf '%s\n' "$dir"
}

ensure_postgres_installed() {
    PG_BIN="$(find_pg_bin)" || true
    if [[ -z $PG_BIN ]]; then
        apt_install postgresql
        PG_BIN="$(find_pg_bin)" || die "installed postgresql but found no initdb/pg_ctl"
    fi
}

ensure_redis_installed() {
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
    apt_install redis-server
}

ensure_java_installed() {
    local missing=()
    command -v java >/dev/null || missing+=(default-jre-headless)
    command -v mvn >/dev/null || missing+=(maven)
    if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
    local major
    major="$(java -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java.specification.version = //p')"
    [[ ${major%%.*} -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17+, found ${major:-none}"
}

# The broker's jars from Maven Central, cached across clones and runs.
# The cache may be shared (another clone, a running broker): it is filled in a temporary
# directory and renamed into place, never changed once complete.
ensure_kafka_jars() {
    [[ -f $KAFKA_LIB/.complete ]] && return 0
    if [[ -f $KAFKA_LIB/kafka_2.13-$KAFKA_VERSION.jar && -f $KAFKA_LIB/kafka-server-$KAFKA_VERSION.jar ]] &&
        compgen -G "$KAFKA_LIB/log4j-slf4j-impl-*.jar" >/dev/null; then
        touch "$KAFKA_LIB/.complete" # filled by an earlier version of this script
        return 0
    fi
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIB"
    local tmp="$KAFKA_LIB.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    mkdir -p "$STATE"
    if ! mvn -q -B -f "$KAFKA_FILES/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
        >"$STATE/mvn.log" 2>&1; then
        tail -n 30 "$STATE/mvn.log" >&2
        die "mvn could not fetch the Kafka jars: $STATE/mvn.log"
    fi
    touch "$tmp/.complete"
    if [[ -e $KAFKA_LIB ]]; then # an incomplete earlier attempt
        mv "$KAFKA_LIB" "$KAFKA_LIB.stale.$$"
        rm -rf "$KAFKA_LIB.stale.$$"
    fi
    mv "$tmp" "$KAFKA_LIB"
}

# ---------------------------------------------------------------- PostgreSQL

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
pg_user() {
    if [[ $EUID -eq 0 ]]; then printf 'postgres\n'; else id -un; fi
}

as_pg_user() {
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@") # from a directory the postgres user may enter
    else
        "$@"
    fi
}

# The cluster lives in .services/postgres unless the postgres user cannot reach the repo
# (say, a clone under /root): then under /tmp. The choice is recorded for `stop`.
pg_home() {
    local recorded="$STATE/postgres.home" home
    if [[ -s $recorded ]]; then
        cat "$recorded"
        return 0
    fi
    home="$STATE/postgres"
    mkdir -p "$home"
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 ||
            useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        chown postgres: "$home"
        chmod 700 "$home"
        if ! runuser -u postgres -- test -w "$home"; then
            rmdir "$home"
            home="/tmp/ecart-services-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)/postgres"
            mkdir -p "$home"
            chown postgres: "$home"
            chmod 700 "$home"
        fi
    fi
    printf '%s\n' "$home" >"$recorded"
    printf '%s\n' "$home"
}

pg_running() { as_pg_user "$PG_BIN/pg_ctl" status -D "$PG_HOME/data" >/dev/null 2>&1; }

psql_admin() { # ARGS... (SQL on stdin or with -c)
    PGPASSWORD="$(cat "$STATE/secrets/pg-$PG_SUPERUSER")" PGCONNECT_TIMEOUT=5 \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
        -U "$PG_SUPERUSER" -d postgres "$@"
}

start_postgres() {
    ensure_postgres_installed
    PG_HOME="$(pg_home)"
    local data="$PG_HOME/data"

    if [[ ! -f $data/PG_VERSION ]]; then
        log "postgres: initdb $data"
        local pwfile="$PG_HOME/superuser.pw"
        [[ -s $STATE/secrets/pg-$PG_SUPERUSER ]] || new_secret >"$STATE/secrets/pg-$PG_SUPERUSER"
        cp "$STATE/secrets/pg-$PG_SUPERUSER" "$pwfile"
        [[ $EUID -eq 0 ]] && chown postgres: "$pwfile"
        chmod 600 "$pwfile"
        rm -rf "$data"
        as_pg_user "$PG_BIN/initdb" -D "$data" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
            --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_HOME/initdb.log" 2>&1 ||
            die "initdb failed: $PG_HOME/initdb.log"
        rm -f "$pwfile"
        # TCP on loopback only, no Unix socket (so nothing clashes with a system cluster).
        cat >>"$data/postgresql.conf" <<'EOF'

# ecart (scripts/services.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
EOF
        # The superuser may reach any database; each service role only its own (`sameuser`).
        cat >"$data/pg_hba.conf" <<EOF
# ecart (scripts/services.sh): TCP on 127.0.0.1 with passwords only.
host  all       $PG_SUPERUSER  127.0.0.1/32  scram-sha-256
host  sameuser  all       127.0.0.1/32  scram-sha-256
EOF
    fi

    if pg_running; then
        local running_port
        running_port="$(sed -n 4p "$data/postmaster.pid")"
        [[ $running_port == "$PG_PORT" ]] ||
            die "postgres already runs on port $running_port; run 'stop' before changing ECART_PG_PORT"
        log "postgres: already running (port $PG_PORT)"
    else
        require_free_port "$PG_PORT" postgres ECART_PG_PORT
        log "postgres: starting on 127.0.0.1:$PG_PORT"
        as_pg_user "$PG_BIN/pg_ctl" start -D "$data" -l "$PG_HOME/postgres.log" -w -t 60 \
            -o "-p $PG_PORT" </dev/null >/dev/null 9>&- ||
            die "postgres did not start: $PG_HOME/postgres.log"
    fi
    printf '%s\n' "$PG_PORT" >"$STATE/postgres.port"

    local i
    for ((i = 0; i < 60; i++)); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
        sleep 0.5
    done
    psql_admin -tAc 'select 1' >/dev/null || die "postgres does not answer on $PG_PORT"
    ensure_databases
    log "postgres: ready"
}

# One role and one database per service; the role owns its database and nobody else may
# connect to it. Passwords are generated once into .services/secrets/.
ensure_databases() {
    local svc name pw sql=""
    for svc in "${DB_SERVICES[@]}"; do
        name="ecart_$svc"
        [[ -s $STATE/secrets/pg-$name ]] || new_secret >"$STATE/secrets/pg-$name"
        pw="$(cat "$STATE/secrets/pg-$name")"
        sql+="
SELECT format('CREATE ROLE %I', '$name') WHERE NOT EXISTS
    (SELECT FROM pg_roles WHERE rolname = '$name') \\gexec
ALTER ROLE $name WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '$pw';
SELECT format('CREATE DATABASE %I OWNER %I', '$name', '$name') WHERE NOT EXISTS
    (SELECT FROM pg_database WHERE datname = '$name') \\gexec
ALTER DATABASE $name OWNER TO $name;
REVOKE ALL ON DATABASE $name FROM PUBLIC;
"
    done
    psql_admin -f - <<<"$sql" >/dev/null
}

stop_postgres() {
    [[ -s $STATE/postgres.home ]] || return 0
    PG_HOME="$(cat "$STATE/postgres.home")"
    [[ -f $PG_HOME/data/postmaster.pid ]] || return 0
    PG_BIN="$(find_pg_bin)" || die "postgres data in $PG_HOME but no pg_ctl"
    if pg_running; then
        log "postgres: stopping (pid $(head -n1 "$PG_HOME/data/postmaster.pid"))"
        as_pg_user "$PG_BIN/pg_ctl" stop -D "$PG_HOME/data" -m fast -w -t 60 >/dev/null
    fi
}

# ---------------------------------------------------------------- Redis

redis_pid() { live_pid "$STATE/redis/redis.pid" redis-server ":$1"; }

start_redis() {
    ensure_redis_installed
    mkdir -p "$STATE/redis"
    local pid
    if pid="$(live_pid "$STATE/redis/redis.pid" redis-server)"; then
        redis_pid "$REDIS_PORT" >/dev/null ||
            die "redis already runs (pid $pid) on another port; run 'stop' before changing ECART_REDIS_PORT"
        log "redis: already running (port $REDIS_PORT)"
    else
        require_free_port "$REDIS_PORT" redis ECART_REDIS_PORT
        log "redis: starting on 127.0.0.1:$REDIS_PORT"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
            --dir "$STATE/redis" --pidfile "$STATE/redis/redis.pid" \
            --logfile "$STATE/redis/redis.log" --save '' --appendonly no </dev/null 9>&- ||
            die "redis did not start: $STATE/redis/redis.log"
    fi
    printf '%s\n' "$REDIS_PORT" >"$STATE/redis.port"
    local i
    for ((i = 0; i < 60; i++)); do
        [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]] &&
            redis_pid "$REDIS_PORT" >/dev/null && log "redis: ready" && return 0
        sleep 0.5
    done
    die "redis does not answer PING on $REDIS_PORT: $STATE/redis/redis.log"
}

stop_redis() {
    local pid
    if pid="$(live_pid "$STATE/redis/redis.pid" redis-server)"; then
        log "redis: stopping (pid $pid)"
        stop_pid "$pid" redis 30
    fi
    rm -f "$STATE/redis/redis.pid"
}

# ---------------------------------------------------------------- Kafka (KRaft)

kafka_pid() { live_pid "$STATE/kafka/kafka.pid" java kafka.Kafka "$STATE/kafka/server.properties"; }

write_kafka_config() {
    local dir="$STATE/kafka"
    cat >"$dir/server.properties" <<EOF
# Written by scripts/services.sh: a single combined broker+controller in KRaft mode.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
# A second listener that demands SASL (user `ecart`), to test ecart's SASL settings.
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_ecart="$(cat "$STATE/secrets/kafka-ecart")";
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

start_kafka() {
    ensure_java_installed
    ensure_kafka_jars
    local dir="$STATE/kafka" pid
    mkdir -p "$dir/logs"
    if pid="$(kafka_pid)"; then
        grep -qx "listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,.*" "$dir/server.properties" ||
            die "kafka already runs (pid $pid) on another port; run 'stop' before changing ECART_KAFKA_PORT"
        log "kafka: already running (port $KAFKA_PORT)"
    else
        require_free_port "$KAFKA_PORT" kafka ECART_KAFKA_PORT
        require_free_port "$KAFKA_CONTROLLER_PORT" "the kafka controller" ECART_KAFKA_CONTROLLER_PORT
        require_free_port "$KAFKA_SASL_PORT" "kafka's SASL listener" ECART_KAFKA_SASL_PORT
        [[ -s $STATE/secrets/kafka-ecart ]] || new_secret >"$STATE/secrets/kafka-ecart"
        write_kafka_config
        if [[ ! -f $dir/data/meta.properties ]]; then
            [[ -s $dir/cluster.id ]] ||
                java -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid >"$dir/cluster.id"
            log "kafka: formatting $dir/data (cluster $(cat "$dir/cluster.id"))"
            rm -rf "$dir/data"
            java -cp "$KAFKA_LIB/*" -Dlog4j2.configurationFile="$KAFKA_FILES/log4j2.xml" \
                -Dkafka.logs.dir="$dir/logs" kafka.tools.StorageTool format \
                -t "$(cat "$dir/cluster.id")" -c "$dir/server.properties" \
                >"$dir/logs/format.log" 2>&1 || die "kafka storage format failed: $dir/logs/format.log"
        fi
        log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
        : >"$dir/logs/server.log"
        rm -f "$dir/kafka.pid"
        # The child writes its own PID before it becomes the JVM, so the pid file is exact.
        # setsid: its own session, so a Ctrl-C in the shell that ran `start` does not reach it.
        # shellcheck disable=SC2016 # expanded by the child shell
        setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/kafka.pid" \
            java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
            -Dlog4j2.configurationFile="$KAFKA_FILES/log4j2.xml" -Dkafka.logs.dir="$dir/logs" \
            -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/server.properties" \
            </dev/null >"$dir/logs/kafka.out" 2>&1 9>&- &
    fi
    printf '%s\n' "$KAFKA_PORT" >"$STATE/kafka.port"
    printf '%s\n' "$KAFKA_CONTROLLER_PORT" >"$STATE/kafka-controller.port"
    printf '%s\n' "$KAFKA_SASL_PORT" >"$STATE/kafka-sasl.port"

    local i
    for ((i = 0; i < 50; i++)); do
        [[ -s $dir/kafka.pid ]] && break
        sleep 0.1
    done
    for ((i = 0; i < 240; i++)); do
        kafka_pid >/dev/null || {
            tail -n 20 "$dir/logs/kafka.out" "$dir/logs/server.log" >&2 || true
            die "kafka exited: $dir/logs/"
        }
        grep -q "Kafka Server started" "$dir/logs/server.log" 2>/dev/null && break
        sleep 0.5
    done
    grep -q "Kafka Server started" "$dir/logs/server.log" ||
        die "kafka did not log 'Kafka Server started' in 120 s: $dir/logs/server.log"
    java -cp "$KAFKA_LIB/*" "$KAFKA_FILES/KafkaReady.java" "127.0.0.1:$KAFKA_PORT" 60 >&2 ||
        die "kafka does not answer a metadata request on $KAFKA_PORT"
    log "kafka: ready"
}

stop_kafka() {
    local pid
    if pid="$(kafka_pid)"; then
        log "kafka: stopping (pid $pid)"
        stop_pid "$pid" kafka 60
    fi
    rm -f "$STATE/kafka/kafka.pid"
}

# ---------------------------------------------------------------- .env.services

write_env() {
    local svc tmp="$ENV_FILE.tmp.$$"
    (umask 077 && : >"$tmp")
    {
        printf '# Written by scripts/services.sh start (make services): local servers.\n'
        for svc in "${DB_SERVICES[@]}"; do
            printf 'ECART_%s_DATABASE_URL=postgresql+asyncpg://ecart_%s:%s@127.0.0.1:%s/ecart_%s\n' \
                "${svc^^}" "$svc" "$(cat "$STATE/secrets/pg-ecart_$svc")" "$PG_PORT" "$svc"
        done
        printf 'ECART_BUS=kafka\n'
        printf 'ECART_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:%s\n' "$KAFKA_PORT"
        printf 'ECART_REDIS_URL=redis://127.0.0.1:%s/0\n' "$REDIS_PORT"
        printf 'ECART_RATE_LIMIT_STORAGE=redis://127.0.0.1:%s/1\n' "$REDIS_PORT"
    } >"$tmp"
    mv "$tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------- commands

# One start/stop at a time. Every server is started with fd 9 closed (`9>&-`): a server that
# inherited it would hold the lock for as long as it runs.
with_lock() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 600 9 || die "another scripts/services.sh holds $STATE/.lock"
}

cmd_start() {
    with_lock
    mkdir -p "$STATE/secrets"
    chmod 700 "$STATE/secrets"
    load_ports
    start_postgres
    start_redis
    start_kafka
    write_env
    log "all up; settings in ${ENV_FILE#"$ROOT"/}"
}

cmd_stop() {
    with_lock
    stop_kafka
    stop_redis
    stop_postgres
    log "stopped what scripts/services.sh had started"
}

cmd_status() {
    load_ports
    local pid
    PG_BIN="$(find_pg_bin)" || true
    if [[ -s $STATE/postgres.home && -n $PG_BIN ]] && PG_HOME="$(cat "$STATE/postgres.home")" &&
        pg_running; then
        printf 'postgres  running  pid %s  127.0.0.1:%s\n' \
            "$(head -n1 "$PG_HOME/data/postmaster.pid")" "$PG_PORT"
    else
        printf 'postgres  stopped\n'
    fi
    if pid="$(live_pid "$STATE/redis/redis.pid" redis-server)"; then
        printf 'redis     running  pid %s  127.0.0.1:%s\n' "$pid" "$REDIS_PORT"
    else
        printf 'redis     stopped\n'
    fi
    if pid="$(kafka_pid)"; then
        printf 'kafka     running  pid %s  127.0.0.1:%s\n' "$pid" "$KAFKA_PORT"
    else
        printf 'kafka     stopped\n'
    fi
}

cmd_env() {
    [[ -f $ENV_FILE ]] || die "no ${ENV_FILE#"$ROOT"/}: run 'scripts/services.sh start' first"
    cat "$ENV_FILE"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
    printf 'usage: %s start|stop|status|env\n' "$0" >&2
    exit 2
    ;;
esac
