#!/usr/bin/env bash
# Migrates an SQLite database, loads the demo region, starts the task worker, the hourly reminders and the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATA_DIR="${DATA_DIR:-$PWD/var}"
mkdir -p "$DATA_DIR"
[ -s "$DATA_DIR/secret_key" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > "$DATA_DIR/secret_key"
export SECRET_KEY="$(cat "$DATA_DIR/secret_key")"
export HTTPS=0 DEBUG=0 ALLOWED_HOSTS="127.0.0.1,localhost"
export EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend"
export SITE_URL="http://127.0.0.1:8000"
BIN=.venv/bin
"$BIN/objectivity" migrate --noinput >/dev/null
"$BIN/objectivity" collectstatic --noinput >/dev/null
"$BIN/objectivity" load_demo
"$BIN/objectivity" worker >"$DATA_DIR/worker.log" 2>&1 &
WORKER=$!
# Reminders of measures' deadlines: at start, then hourly (a reminder goes once a day, so repeating is safe).
remind_hourly() {
  trap 'kill $NAP 2>/dev/null; exit 0' TERM  # the pending sleep goes with the loop
  while true; do
    "$BIN/objectivity" send-reminders || true
    sleep 3600 & NAP=$!
    wait $NAP
  done
}
remind_hourly >"$DATA_DIR/reminders.log" 2>&1 &
REMINDERS=$!
trap 'kill $WORKER $REMINDERS 2>/dev/null || true' EXIT INT TERM
echo
echo "Адрес: http://127.0.0.1:8000/   (остановить: Ctrl+C; письма сохраняются в $DATA_DIR/mail)"
exec_status=0
"$BIN/gunicorn" objectivity.wsgi --bind 127.0.0.1:8000 --workers 4 \
  --access-logfile - --error-logfile - --log-level warning || exec_status=$?
exit $exec_status
