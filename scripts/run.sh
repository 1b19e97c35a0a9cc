#!/usr/bin/env bash
# Start the Huey worker and the web server together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# The local server shows Django's debug pages; DEBUG is off anywhere else unless set (config/settings.py).
export DEBUG="${DEBUG:-1}"
# The demo's secure mailbox: .eml files dropped in var/mail-in/ reach the CPTS entry point.
export MAIL_IN_ENTRY_POINT="${MAIL_IN_ENTRY_POINT:-cpts-strasbourg-nord}"
# The demo's coordinators and managers log in with their password only; whoever enrols a TOTP device
# from « Double authentification » is still asked a code. Production keeps the requirement (default on).
export JALON_REQUIRE_2FA="${JALON_REQUIRE_2FA:-0}"
# `make run PORT=8100`: another port (default 8000); the links in messages follow it.
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
# The worker says only warnings and errors here (HUEY_LOG_LEVEL, config/settings.py LOGGING).
HUEY_LOG_LEVEL="${HUEY_LOG_LEVEL:-WARNING}" $PY manage.py run_huey &
$PY manage.py print_demo_logins || true
echo "Jalon : http://127.0.0.1:$PORT  (Ctrl-C pour arrêter)"
$PY manage.py runserver "127.0.0.1:$PORT" --noreload &
wait -n
