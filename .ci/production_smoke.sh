#!/usr/bin/env bash
# The README's production steps, as written, in a scratch PostgreSQL database: production settings,
# migrate, collectstatic, check --deploy, then gunicorn must serve the login page, the admin login,
# the API docs and a hashed static file (200). Needs PostgreSQL and Redis; takes a few seconds.
#   SMOKE_DATABASE_URL  server to make the scratch database on (default: the local postgres)
#   SMOKE_REDIS_URL     Redis for the cache and huey (default: redis://127.0.0.1:6379/0)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BASE_URL=${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
SCRATCH=smoke_$$
WORK=$(mktemp -d)
GUNICORN_PID=

scratch_db() {  # create|drop
  $PY - "$BASE_URL" "$SCRATCH" "$1" <<'PYEOF'
import sys, psycopg
url, name, what = sys.argv[1:]
with psycopg.connect(url, autocommit=True) as db:
    db.execute(f'DROP DATABASE IF EXISTS "{name}"' if what == "drop" else f'CREATE DATABASE "{name}"')
PYEOF
}
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  scratch_db drop || true
  rm -rf "$WORK"
}
trap cleanup EXIT

scratch_db create
export DJANGO_SETTINGS_MODULE=config.settings.production
export DJANGO_SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(50))")
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="${BASE_URL%/*}/$SCRATCH?conn_max_age=600"
export REDIS_URL=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/0}
export OTP_HMAC_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(32))")
export DJANGO_STATIC_ROOT="$WORK/static"

$PY manage.py migrate --noinput >/dev/null
$PY manage.py collectstatic --noinput
$PY manage.py check --deploy --fail-level WARNING

PORT=$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
# The README's command: gunicorn's settings (and its masking access log) from config/gunicorn.py.
GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=1 GUNICORN_THREADS=2 \
  $PY -m gunicorn -c config/gunicorn.py config.wsgi >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!

# Behind the README's TLS proxy: X-Forwarded-Proto says https, so no redirect to https.
$PY - "$PORT" <<'PYEOF' || { cat "$WORK/gunicorn.log" >&2; exit 1; }
import re, sys, time, urllib.error, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"

def get(path):
    request = urllib.request.Request(base + path, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""

deadline = time.monotonic() + 30
while True:
    try:
        status, login = get("/login/")
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("gunicorn did not start")
        time.sleep(0.3)
failures = []
for path in ["/login/", "/admin/login/", "/api/docs/"]:
    status, body = get(path)
    print(f"GET {path} {status}")
    if status != 200:
        failures.append(path)
assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', login)
hashed = [a for a in assets if re.search(r"\.[0-9a-f]{12}\.", a)]
if not hashed:
    failures.append("the login page links no hashed static file (manifest missing)")
for asset in hashed:
    status, _ = get(asset)
    print(f"GET {asset} {status}")
    if status != 200:
        failures.append(asset)
if failures:
    sys.exit(f"production smoke failed: {failures}")
PYEOF
echo "production smoke: ok"
