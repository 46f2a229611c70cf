#!/usr/bin/env bash
# A real Temporal server (not the dev server) on a private PostgreSQL 15 cluster, frontend on mTLS, all on
# loopback: what an operator runs, small enough for CI. Everything lives in .cache/temporal-cluster/.
#   scripts/temporal-cluster.sh start        set up what is missing (PostgreSQL, schema, certificates, config),
#                                            start what is not running, wait until the frontend answers
#   scripts/temporal-cluster.sh stop         stop the server, then PostgreSQL (the data stays)
#   scripts/temporal-cluster.sh status       what runs, and the client environment
#   scripts/temporal-cluster.sh kill-server  SIGKILL the server only (a crash; `start` brings it back)
#   scripts/temporal-cluster.sh env          the TEMPORAL_* variables a client needs (source it)
# Remove the folder (after stop) to begin from nothing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${VFMIGRATE_CLUSTER_DIR:-$root/.cache/temporal-cluster}"
version="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
bin="$root/.cache/temporal-server/$version"
pgbin="${VFMIGRATE_PG_BIN:-/usr/lib/postgresql/15/bin}"
pgdir="$dir/pg"          # owned by the PostgreSQL user: data, unix socket, log
certs="$dir/certs"
namespace="${TEMPORAL_NAMESPACE:-vfmigrate}"
cli="$root/.cache/temporal/${TEMPORAL_CLI_VERSION:-v1.5.1}/temporal"   # its health check, over mTLS

fail() { echo "error: $*" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root it runs as the `postgres` user the Debian package creates.
if [ "$(id -u)" = 0 ]; then
  pguser=postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  pguser="$(id -un)"
  as_pg() { "$@"; }
fi

# Ports are picked free once and kept, so a restarted server is where its clients left it. Below 32768: the
# server records membership ports in a PostgreSQL smallint (and most ephemeral ranges start above).
ports() {
  if [ ! -s "$dir/ports.env" ]; then
    mkdir -p "$dir"
    node -e '
      const net = require("node:net");
      const names = ["PG_PORT", "FRONTEND_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT", "HISTORY_PORT",
        "HISTORY_MEMBERSHIP_PORT", "MATCHING_PORT", "MATCHING_MEMBERSHIP_PORT", "WORKER_PORT", "WORKER_MEMBERSHIP_PORT"];
      const free = (port) => new Promise((ok) => {
        const s = net.createServer().once("error", () => ok(null));
        s.listen(port, "127.0.0.1", () => s.close(() => ok(port)));
      });
      (async () => {
        const taken = new Set();
        for (const n of names) {
          let port = null;
          while (port === null) {
            const p = 20000 + Math.floor(Math.random() * 12000);
            if (!taken.has(p)) port = await free(p);
          }
          taken.add(port);
          console.log(`${n}=${port}`);
        }
      })();
    ' > "$dir/ports.env.tmp"
    mv "$dir/ports.env.tmp" "$dir/ports.env"
  fi
  # shellcheck source=/dev/null
  . "$dir/ports.env"
}

pg_running() { [ -f "$pgdir/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$pgdir/data" status >/dev/null 2>&1; }
server_pid() { local p; p="$(cat "$dir/server.pid" 2>/dev/null)" && kill -0 "$p" 2>/dev/null && echo "$p"; }
psql_pg() { as_pg "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pgdir" -p "$PG_PORT" -U "$pguser" -d postgres "$@"; }

start_postgres() {
  [ -x "$pgbin/initdb" ] || fail "PostgreSQL 15 is not installed ($pgbin/initdb missing): apt-get install postgresql-15"
  if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    rm -rf "$pgdir" && mkdir -p "$pgdir"
    [ "$pguser" = postgres ] && chown postgres: "$pgdir" && chmod 700 "$pgdir"
    echo "creating the PostgreSQL cluster in $pgdir/data"
    as_pg "$pgbin/initdb" -D "$pgdir/data" -U "$pguser" -E UTF8 --locale=C --auth-local=peer --auth-host=scram-sha-256 >"$pgdir/initdb.log" 2>&1 \
      || fail "initdb failed; see $pgdir/initdb.log"
    cat >>"$pgdir/data/postgresql.conf" <<EOF
# vfmigrate's private cluster (scripts/temporal-cluster.sh): loopback and its own socket folder only.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pgdir'
# A commit returns before its WAL reaches the disk: a machine crash may lose the last commits, never
# consistency; a crash of the Temporal server (what the tests do) loses nothing. Spares each commit an fsync.
synchronous_commit = off
EOF
  fi
  if ! pg_running; then
    as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w -t 60 start >/dev/null || fail "PostgreSQL did not start; see $pgdir/postgres.log"
  fi
}

# The role the server and the schema tool log in as, with a password generated here and kept 0600.
create_role() {
  if [ ! -s "$dir/sql-password" ]; then
    (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/sql-password.tmp") && mv "$dir/sql-password.tmp" "$dir/sql-password"
  fi
  local password; password="$(cat "$dir/sql-password")"
  if [ "$(psql_pg -tA -c "SELECT 1 FROM pg_roles WHERE rolname = 'temporal'")" != 1 ]; then
    psql_pg -c "CREATE ROLE temporal LOGIN CREATEDB PASSWORD '$password'"
  fi
}

sql_tool() {
  SQL_PLUGIN=postgres12 SQL_HOST=127.0.0.1 SQL_PORT="$PG_PORT" SQL_USER=temporal SQL_PASSWORD="$(cat "$dir/sql-password")" \
    "$bin/temporal-sql-tool" --quiet --db "$1" "${@:2}"
}

# create-database and setup-schema -v 0.0 only the first time; update-schema every time (a no-op when current,
# and the upgrade path when TEMPORAL_SERVER_VERSION moves on).
setup_schema() {
  local db
  for db in temporal temporal_visibility; do
    local schema="$bin/schema/postgresql/v12/$([ "$db" = temporal ] && echo temporal || echo visibility)/versioned"
    if [ "$(psql_pg -tA -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
      echo "creating the $db database"
      sql_tool "$db" create-database >>"$dir/schema.log" 2>&1 || fail "creating $db failed; see $dir/schema.log"
      sql_tool "$db" setup-schema -v 0.0 >>"$dir/schema.log" 2>&1 || fail "the $db schema failed; see $dir/schema.log"
    fi
    sql_tool "$db" update-schema -d "$schema" >>"$dir/schema.log" 2>&1 || fail "updating the $db schema failed; see $dir/schema.log"
  done
}

# A CA the server trusts for clients, the server's certificate (127.0.0.1 and localhost), a client certificate
# for vfmigrate and one for the server's own system worker; plus a client certificate from a CA nobody trusts.
certificates() {
  [ -s "$certs/untrusted-client.pem" ] && return 0
  command -v openssl >/dev/null || fail "openssl is not installed: apt-get install openssl"
  rm -rf "$certs" && mkdir -p "$certs" && chmod 700 "$certs"
  local o="openssl"
  ca() { $o req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$certs/$1.key" -out "$certs/$1.pem" \
    -days 3650 -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null; }
  leaf() { # name CN signing-ca extensions
    $o req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$certs/$1.key" -out "$certs/$1.csr" -subj "/CN=$2" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" "$4" >"$certs/$1.ext"
    $o x509 -req -in "$certs/$1.csr" -CA "$certs/$3.pem" -CAkey "$certs/$3.key" -CAcreateserial -days 3650 -out "$certs/$1.pem" \
      -extfile "$certs/$1.ext" 2>/dev/null
    rm -f "$certs/$1.csr" "$certs/$1.ext"
  }
  ca ca "vfmigrate test Temporal CA"
  leaf server localhost ca "extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
  leaf client vfmigrate ca "extendedKeyUsage=clientAuth"
  leaf system-worker temporal-system-worker ca "extendedKeyUsage=clientAuth"
  ca untrusted-ca "a CA the server does not trust"
  leaf untrusted-client vfmigrate untrusted-ca "extendedKeyUsage=clientAuth"
  rm -f "$certs"/*.srl
}

# temporal-dev.yml's dynamic config, so the cluster behaves like the dev server the rest of the suite uses.
dynamic_config() {
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { parse } from "yaml";
    const dev = parse(readFileSync(process.argv[1], "utf8"));
    for (const [k, v] of Object.entries(dev.dynamicConfig ?? {})) console.log(`${k}:\n  - value: ${JSON.stringify(v)}`);
  ' "$root/temporal-dev.yml" >"$dir/dynamicconfig.yaml"
}

server_config() {
  local password; password="$(cat "$dir/sql-password")"
  (umask 077 && cat >"$dir/config/development.yaml" <<EOF
# Written by scripts/temporal-cluster.sh; edits are lost at the next start.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
$(for store in default visibility; do cat <<STORE
    $store:
      sql:
        pluginName: postgres12
        databaseName: $([ "$store" = default ] && echo temporal || echo temporal_visibility)
        connectAddr: "127.0.0.1:$PG_PORT"
        connectProtocol: tcp
        user: temporal
        password: "$password"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h
STORE
done)
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  tls:
    frontend:
      server:
        certFile: $certs/server.pem
        keyFile: $certs/server.key
        requireClientAuth: true
        clientCaFiles: [$certs/ca.pem]
      client:
        serverName: localhost
        rootCaFiles: [$certs/ca.pem]
    systemWorker:
      certFile: $certs/system-worker.pem
      keyFile: $certs/system-worker.key
      client:
        serverName: localhost
        rootCaFiles: [$certs/ca.pem]
services:
  frontend:
    rpc: { grpcPort: $FRONTEND_PORT, httpPort: $FRONTEND_HTTP_PORT, membershipPort: $FRONTEND_MEMBERSHIP_PORT, bindOnIP: 127.0.0.1 }
  history:
    rpc: { grpcPort: $HISTORY_PORT, membershipPort: $HISTORY_MEMBERSHIP_PORT, bindOnIP: 127.0.0.1 }
  matching:
    rpc: { grpcPort: $MATCHING_PORT, membershipPort: $MATCHING_MEMBERSHIP_PORT, bindOnIP: 127.0.0.1 }
  worker:
    rpc: { grpcPort: $WORKER_PORT, membershipPort: $WORKER_MEMBERSHIP_PORT, bindOnIP: 127.0.0.1 }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:$FRONTEND_PORT"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: $dir/dynamicconfig.yaml
  pollInterval: 10s
EOF
  )
}

client_env() {
  cat <<EOF
TEMPORAL_ADDRESS=127.0.0.1:$FRONTEND_PORT
TEMPORAL_NAMESPACE=$namespace
TEMPORAL_TLS_SERVER_CA_CERT_PATH=$certs/ca.pem
TEMPORAL_TLS_CLIENT_CERT_PATH=$certs/client.pem
TEMPORAL_TLS_CLIENT_KEY_PATH=$certs/client.key
TEMPORAL_TLS_SERVER_NAME=localhost
EOF
}

# Healthy = the frontend answers a TLS handshake with our client certificate and reports SERVING.
wait_healthy() {
  local deadline=$((SECONDS + ${VFMIGRATE_CLUSTER_START_TIMEOUT:-120}))
  until "$cli" operator cluster health --address "127.0.0.1:$FRONTEND_PORT" \
    --tls-ca-path "$certs/ca.pem" --tls-cert-path "$certs/client.pem" --tls-key-path "$certs/client.key" \
    --tls-server-name localhost --command-timeout 2s >/dev/null 2>&1; do
    server_pid >/dev/null || fail "the Temporal server exited; see $dir/server.log"
    [ "$SECONDS" -lt "$deadline" ] || fail "the Temporal server did not become healthy; see $dir/server.log"
    sleep 0.5
  done
}

start_server() {
  if server_pid >/dev/null; then return 0; fi
  mkdir -p "$dir/config"
  dynamic_config
  server_config
  echo "starting the Temporal server $version on 127.0.0.1:$FRONTEND_PORT (mTLS)"
  # setsid: its own session, so a Ctrl-C aimed at whoever started it does not take the server down.
  setsid "$bin/temporal-server" --root "$dir" --config config --env development --allow-no-auth \
    start --services=frontend,history,matching,worker >>"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/server.pid"
  wait_healthy
}

stop_server() {
  local p
  if p="$(server_pid)"; then
    kill -TERM "$p"
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$dir/server.pid"
}

case "${1:-}" in
  start)
    [ -x "$bin/temporal-server" ] && [ -x "$bin/temporal-sql-tool" ] || "$root/scripts/build-temporal-server.sh"
    [ -x "$cli" ] || "$root/scripts/build-temporal-cli.sh" >/dev/null
    ports
    start_postgres
    create_role
    setup_schema
    certificates
    start_server
    client_env >"$dir/client.env"
    echo "Temporal cluster up: 127.0.0.1:$FRONTEND_PORT (mTLS; client environment in $dir/client.env), PostgreSQL 127.0.0.1:$PG_PORT"
    ;;
  stop)
    [ -s "$dir/ports.env" ] || exit 0
    ports
    stop_server
    if pg_running; then as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null; fi
    echo "Temporal cluster stopped (data kept in $dir)"
    ;;
  kill-server)
    p="$(server_pid)" || fail "the Temporal server is not running"
    kill -KILL "$p"
    while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
    rm -f "$dir/server.pid"
    ;;
  status)
    [ -s "$dir/ports.env" ] || { echo "no Temporal cluster set up in $dir"; exit 3; }
    ports
    rc=0
    if pg_running; then echo "PostgreSQL: running on 127.0.0.1:$PG_PORT"; else echo "PostgreSQL: stopped"; rc=3; fi
    if p="$(server_pid)"; then echo "Temporal server: running (pid $p) on 127.0.0.1:$FRONTEND_PORT"; else echo "Temporal server: stopped"; rc=3; fi
    client_env
    exit "$rc"
    ;;
  env)
    ports
    client_env
    ;;
  *)
    echo "usage: $0 start|stop|status|kill-server|env" >&2
    exit 2
    ;;
esac
