#!/bin/sh
# A throwaway PostgreSQL server on loopback for the warehouse tests (issue 17).
#   sh .ci/postgres.sh start DIR   prints the URL to put in AUDITOR_TEST_POSTGRES
#   sh .ci/postgres.sh stop DIR
# Uses Debian's server (installed when missing and this is root); it runs as the
# `postgres` user, in DIR, listening on 127.0.0.1 only, with trust authentication.
set -eu
action="$1"
dir="$2"
port=54329
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    if [ -z "$pgbin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    [ -n "$pgbin" ] || { echo "no PostgreSQL server binaries" >&2; exit 1; }
    rm -rf "$dir"; mkdir -p "$dir"; chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_postgres "$pgbin/initdb" -D "$dir/data" -A trust -U auditor >/dev/null
    as_postgres "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
    echo "postgresql://auditor@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -n "$pgbin" ] && [ -d "$dir/data" ] && as_postgres "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    ;;
esac
