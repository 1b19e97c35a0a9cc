#!/usr/bin/env bash
# CI: the production stack as `make serve` runs it (collectstatic, migrate, gunicorn and the Huey worker)
# answers the login page. It needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379: without
# either, the check is skipped (exit 0, with a message). It creates its own database (jalon_ci_serve_<pid>)
# and temporary folders, serves on a free port with a throwaway SECRET_KEY, fetches /connexion/ (expects
# 200 and the French login form), stops the stack and drops only the database it created.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! answers 5432; then
  echo "ci_serve_check: no PostgreSQL on 127.0.0.1:5432, production stack check skipped"
  exit 0
fi
if ! answers 6379; then
  echo "ci_serve_check: no Redis on 127.0.0.1:6379, production stack check skipped"
  exit 0
fi

DB_NAME="jalon_ci_serve_$$"
PG_ADMIN_URL="postgresql://postgres@127.0.0.1:5432/postgres"
WORK_DIR="$(mktemp -d)"
SERVE_PID=""
DB_CREATED=0

sql() { "$PY" -c 'import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as connection:
    connection.execute(sys.argv[2])' "$PG_ADMIN_URL" "$1"; }

cleanup() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    # The whole process group of `make serve` (make, serve.sh, gunicorn, run_huey); serve.sh's trap stops its children.
    kill -TERM -- "-$SERVE_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if [ "$DB_CREATED" = 1 ]; then
    sql "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" && echo "ci_serve_check: database $DB_NAME dropped"
  fi
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

sql "CREATE DATABASE \"$DB_NAME\""
DB_CREATED=1
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "ci_serve_check: make serve on 127.0.0.1:$PORT, database $DB_NAME"

# setsid: `make serve` leads its own process group, so that stopping it reaches every process it started.
setsid env \
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME" \
  REDIS_URL="redis://127.0.0.1:6379/15" \
  SECRET_KEY="ci-throwaway-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')" \
  ALLOWED_HOSTS=127.0.0.1 \
  SECURE_SSL_REDIRECT=0 \
  JALON_VAR_DIR="$WORK_DIR/var" STATIC_ROOT="$WORK_DIR/static" MEDIA_ROOT="$WORK_DIR/media" \
  HOST=127.0.0.1 PORT="$PORT" WEB_WORKERS=1 \
  make serve PORT="$PORT" >"$WORK_DIR/serve.log" 2>&1 &
SERVE_PID=$!

status=""
for _ in $(seq 1 180); do
  if ! kill -0 "$SERVE_PID" 2>/dev/null; then
    echo "ci_serve_check: make serve stopped before answering:" >&2
    tail -n 40 "$WORK_DIR/serve.log" >&2
    exit 1
  fi
  status="$(curl -s -o "$WORK_DIR/login.html" -w '%{http_code}' "http://127.0.0.1:$PORT/connexion/" || true)"
  [ "$status" != "000" ] && break
  sleep 1
done

if [ "$status" != "200" ]; then
  echo "ci_serve_check: /connexion/ answered ${status:-nothing} (200 expected)" >&2
  tail -n 40 "$WORK_DIR/serve.log" >&2
  exit 1
fi
if ! grep -q '<html lang="fr"' "$WORK_DIR/login.html" || ! grep -q 'Connexion à Jalon' "$WORK_DIR/login.html" \
  || ! grep -q '<button type="submit">Se connecter</button>' "$WORK_DIR/login.html"; then
  echo "ci_serve_check: /connexion/ answered 200 but not with the French login form" >&2
  head -c 2000 "$WORK_DIR/login.html" >&2
  exit 1
fi
echo "ci_serve_check: the production stack answers the French login page (200)"
