#!/usr/bin/env bash
# The test command: everything the tests need, then the whole suite, then the PostgreSQL suite.
# - Browser tests drive Debian's Chromium (LEADHUB_CHROMIUM overrides its path); it is installed
#   with apt when missing, as Playwright's own browser download is often not possible.
# - The PostgreSQL suite (two-node tests, and the API/routing/storage tests again on PostgreSQL)
#   needs a server: LEADHUB_TEST_POSTGRES names one, or Debian's postgresql is installed and a
#   throwaway cluster is started on loopback for this run and removed after it.
set -uo pipefail
cd "$(dirname "$0")"

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() {
  echo "Installing Debian's $* for the tests…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if [ -z "${LEADHUB_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then apt_install chromium; fi
export LEADHUB_CHROMIUM="${LEADHUB_CHROMIUM:-$(command -v chromium)}"

start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    apt_install postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  PG_DIR=$(mktemp -d /tmp/leadhub-pg.XXXXXX)
  # initdb refuses to run as root: the cluster then belongs to Debian's postgres user.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null || return 1
  # A throwaway cluster: durability settings off for speed, connections for parallel test hosts.
  # A port nobody listens on can still be taken (a client's ephemeral port): the next is tried.
  local port started=""
  for port in $(seq 55432 55532); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && continue
    if "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
      -o "-h 127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >/dev/null; then
      started=1
      break
    fi
  done
  [ -n "$started" ] || return 1
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop)
  export LEADHUB_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  echo "PostgreSQL for the tests on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1; rm -rf "$PG_DIR"; fi
}

if [ -z "${LEADHUB_TEST_POSTGRES:-}" ]; then
  trap stop_postgres EXIT
  # The cluster's directory goes with the exit trap: its log is shown here, not pointed to.
  start_postgres || { echo "could not start PostgreSQL:"; tail -n 20 "${PG_DIR:-/nonexistent}/log" 2>/dev/null; exit 1; }
fi

status=0
# 1. Everything on the embedded default (SQLite), plus the two-node tests on PostgreSQL.
dotnet test LeadHub.sln "$@" || status=1
# 2. The contract again with every test host on its own PostgreSQL database. The portal's bUnit
#    and browser tests stay on SQLite (they test rendering, not storage).
LEADHUB_TEST_PROVIDER=Postgres dotnet test LeadHub.sln --no-build \
  --filter "FullyQualifiedName!~LeadHub.Tests.Portal&FullyQualifiedName!~LeadHub.Tests.Browser&FullyQualifiedName!~LeadHub.Tests.Scaling&FullyQualifiedName!~LeadHub.Tests.Storage&FullyQualifiedName!~LeadHub.Tests.Bench" \
  || status=1
exit $status
