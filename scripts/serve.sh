#!/usr/bin/env bash
# The production stack on one machine (`make serve`): static files, migrations, then gunicorn and the Huey
# worker together; Ctrl-C (or SIGTERM) stops both, and so does either of them stopping.
#
# Needs (see README.md, « Mise en production ») : SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL),
# REDIS_URL; JALON_PRODUCTION is 1 unless set. Optional: HOST (127.0.0.1) and PORT (8000) where gunicorn
# listens, behind an HTTPS reverse proxy that sets X-Forwarded-Proto and buffers requests and answers (nginx
# does by default: a sync worker then never waits on a slow client); WEB_WORKERS (2 × cores + 1) and
# WEB_THREADS (1: sync workers; on 2 cores, 5 × 1 served 60 requests per second where 4 × 2 served 37,
# docs/benchmarks.md, issue 15, fourth pass);
# STATIC_ROOT, JALON_VAR_DIR, SITE_URL and the rest of the configuration table.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export JALON_PRODUCTION="${JALON_PRODUCTION:-1}"

missing=()
for name in SECRET_KEY ALLOWED_HOSTS DATABASE_URL REDIS_URL; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "make serve : variables manquantes : ${missing[*]} (voir README.md, « Mise en production »)" >&2
  exit 2
fi

# The hashed names of the static files (whitenoise's manifest): without them every page answers 500.
# Gunicorn reads the manifest once per process, so this runs before it starts.
$PY manage.py collectstatic --noinput
$PY manage.py migrate --noinput

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
$PY manage.py run_huey &
echo "Jalon (production) : ${HOST:-127.0.0.1}:${PORT:-8000}  (Ctrl-C pour arrêter)"
.venv/bin/gunicorn config.wsgi \
  --bind "${HOST:-127.0.0.1}:${PORT:-8000}" \
  --workers "${WEB_WORKERS:-$((2 * $(nproc) + 1))}" --threads "${WEB_THREADS:-1}" \
  --access-logfile - &
wait -n
