#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL server on a free loopback port.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (DATABASE_URL is set for the command)
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PGDATA=$(mktemp -d /tmp/objectivity-pg.XXXXXX)
RUNAS=()
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDATA"; RUNAS=(runuser -u postgres --); fi
"${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U app --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
stop() { "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" stop -m fast >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
trap stop EXIT
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null
export DATABASE_URL="postgres://app@127.0.0.1:$PGPORT/objectivity"
export PATH="$PGBIN:$PATH"   # pg_dump / pg_restore for the backup tests
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
"$@"
