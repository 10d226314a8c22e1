#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests. The logic lives only here: .ci/run sources this file
# and calls start_postgres (stop_postgres runs from its EXIT trap); a developer runs it directly:
#
#   bash .ci/postgres.sh start           # (re)create the cluster, start it, print the exports
#   eval "$(bash .ci/postgres.sh env)"   # those exports, into the current shell
#   bash .ci/postgres.sh stop
#
# start installs Debian's postgresql package if initdb/pg_ctl are missing (root only), stops a
# server left over from an interrupted run, then initdb's a fresh cluster (every start: no state
# survives between runs) listening on 127.0.0.1:$PG_PORT only (5439 unless PG_PORT is set), with
# its unix socket in the cluster dir, trust auth, superuser role `postgres`, and a database
# stripe_webhooks_test. fsync and synchronous_commit stay on: the tests check durability.
#
# Exported by start_postgres (printed by `start` and `env`):
#   DATABASE_URL_POSTGRES  postgres://postgres@127.0.0.1:$PG_PORT/stripe_webhooks_test
#   PG_PORT                the port
#   PG_BIN                 the directory of initdb, pg_ctl, psql, pg_isready (Debian:
#                          /usr/lib/postgresql/<version>/bin, the newest installed)
#   PG_DATA                the data directory
#   PG_LOG                 the server log (pg_ctl -l)
#   PG_OS_USER             the OS user that owns PG_DATA and must run pg_ctl
#
# The port, socket dir and the rest are in $PG_DATA/postgresql.conf, so a crash test only needs
# pg_ctl, run as PG_OS_USER: Postgres refuses to run as root, so a test running as root (CI) calls
#   runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop   # a crash
#   runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w start  # recovery
# and a test running as PG_OS_USER itself (a developer's machine) runs the same without runuser.

PG_PORT="${PG_PORT:-5439}"
PG_DATABASE=stripe_webhooks_test
PG_ROLE=postgres # the superuser initdb creates (tests CREATE DATABASE / SCHEMA for isolation)
PG_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

declare -F step >/dev/null || step() { printf '\n==> %s\n' "$*"; }

# Sets PG_BIN to the newest /usr/lib/postgresql/<version>/bin that has the server and client
# programs (or keeps a PG_BIN given in the environment; or, off Debian, the directory pg_ctl on
# PATH resolves to). Fails if there is none.
pg_locate_bin() {
  local d tool ok
  for d in ${PG_BIN:+"$PG_BIN"} $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV) \
    "$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || echo /nonexistent)")")"; do
    ok=1
    for tool in initdb pg_ctl postgres psql pg_isready; do
      [ -x "$d/$tool" ] || ok=
    done
    if [ -n "$ok" ]; then
      PG_BIN="$d"
      return 0
    fi
  done
  return 1
}

pg_install() {
  if [ "$EUID" -ne 0 ]; then
    echo "FAILED: initdb/pg_ctl not found: install PostgreSQL (Debian: sudo apt-get install postgresql) or set PG_BIN" >&2
    return 1
  fi
  step "installing postgresql (Debian package)"
  apt-get update -qq
  # postgresql-common first, told not to create (and start) Debian's default cluster on port
  # 5432, as the official postgres Docker image does: the tests use only the cluster below.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-common >/dev/null
  sed -ri 's/^#?[[:space:]]*(create_main_cluster)[[:space:]]*=.*/\1 = false/' /etc/postgresql-common/createcluster.conf
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_locate_bin || { echo "FAILED: postgresql installed but no /usr/lib/postgresql/<version>/bin with initdb and pg_ctl" >&2; return 1; }
}

# Sets PG_OS_USER, PG_CI_DIR (cluster dir: socket, log), PG_DATA and PG_LOG. No side effects,
# so stop_postgres finds the same paths start_postgres used.
pg_paths() {
  if [ "$EUID" -eq 0 ]; then PG_OS_USER=postgres; else PG_OS_USER="$(id -un)"; fi
  PG_CI_DIR="$PG_REPO_ROOT/target/postgres-ci"
  # As root the server runs as $PG_OS_USER, which must be able to traverse to target/: not so
  # when the repository is under /root (mode 700), say. The cluster then lives in /tmp instead
  # (also when the socket path would pass the 107-byte limit of a unix socket path).
  if [ "$EUID" -eq 0 ] && ! runuser -u "$PG_OS_USER" -- test -x "$PG_REPO_ROOT/target" 2>/dev/null; then
    PG_CI_DIR="/tmp/stripe-webhooks-pg-$UID"
  fi
  if [ $((${#PG_CI_DIR} + ${#PG_PORT} + 10)) -gt 107 ]; then
    PG_CI_DIR="/tmp/stripe-webhooks-pg-$UID"
  fi
  PG_DATA="$PG_CI_DIR/data"
  PG_LOG="$PG_CI_DIR/postgres.log"
}

# Runs a command as $PG_OS_USER, from / (its working directory may be one it cannot enter).
pg_as_user() {
  if [ "$EUID" -eq 0 ]; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

# Stops the server of this cluster (one left over from an interrupted run, too): a fast shutdown,
# an immediate one if that does not end within 30 s. The cluster dir stays (its log, for a look
# after a failed run); the next start deletes it. Never fails.
stop_postgres() {
  pg_paths
  [ -s "$PG_DATA/postmaster.pid" ] || return 0
  pg_locate_bin || return 0
  if pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  return 0
}

pg_fail() {
  echo "FAILED: $1 (log: $2)" >&2
  tail -n 30 "$2" >&2 || true
  return 1
}

start_postgres() {
  pg_locate_bin || pg_install
  if [ "$EUID" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
    step "creating the system user postgres (Postgres refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  mkdir -p "$PG_REPO_ROOT/target"
  pg_paths
  stop_postgres # one left over from an interrupted run
  if [ -s "$PG_DATA/postmaster.pid" ] && pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    echo "FAILED: the server of $PG_DATA (from an earlier run) does not stop" >&2
    return 1
  fi
  local ready=0
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || ready=$?
  if [ "$ready" -ne 2 ]; then # 0 accepting, 1 starting up or rejecting: a server not ours
    echo "FAILED: another server listens on 127.0.0.1:$PG_PORT (not the cluster in $PG_DATA); stop it or set PG_PORT" >&2
    return 1
  fi

  step "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (cluster in $PG_CI_DIR)"
  rm -rf "$PG_CI_DIR"
  mkdir -m 700 "$PG_CI_DIR"
  if [ "$EUID" -eq 0 ]; then chown "$PG_OS_USER:" "$PG_CI_DIR"; fi
  pg_as_user "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_ROLE" -A trust -E UTF8 --no-locale \
    >"$PG_CI_DIR/initdb.log" 2>&1 || { pg_fail "initdb" "$PG_CI_DIR/initdb.log"; return 1; }
  # Appended, so these win over initdb's defaults; pg_ctl start (the crash tests) reads them too.
  cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- .ci/postgres.sh: a throwaway cluster for the tests ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_CI_DIR'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 32MB
max_connections = 200
EOF
  pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 30 start >/dev/null ||
    { pg_fail "pg_ctl start" "$PG_LOG"; return 1; }
  for _ in $(seq 300); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.1
  done
  "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" ||
    { pg_fail "postgres not ready on 127.0.0.1:$PG_PORT after 30 s" "$PG_LOG"; return 1; }
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d postgres \
    -c "CREATE DATABASE $PG_DATABASE" || { pg_fail "CREATE DATABASE $PG_DATABASE" "$PG_LOG"; return 1; }

  export PG_PORT PG_BIN PG_DATA PG_LOG PG_OS_USER
  export DATABASE_URL_POSTGRES="postgres://$PG_ROLE@127.0.0.1:$PG_PORT/$PG_DATABASE"
  "$PG_BIN/psql" -X -At -d "$DATABASE_URL_POSTGRES" \
    -c "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit')"
}

pg_print_env() {
  local v
  for v in DATABASE_URL_POSTGRES PG_PORT PG_BIN PG_DATA PG_LOG PG_OS_USER; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      start_postgres
      echo "running (stop it with: bash .ci/postgres.sh stop); for this shell: eval \"\$(bash .ci/postgres.sh env)\""
      pg_print_env
      ;;
    stop)
      stop_postgres
      ;;
    env)
      pg_locate_bin || { echo "FAILED: initdb/pg_ctl not found" >&2; exit 1; }
      pg_paths
      DATABASE_URL_POSTGRES="postgres://$PG_ROLE@127.0.0.1:$PG_PORT/$PG_DATABASE"
      pg_print_env
      ;;
    *)
      echo "usage: bash .ci/postgres.sh start|stop|env" >&2
      exit 2
      ;;
  esac
fi
