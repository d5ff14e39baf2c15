#!/usr/bin/env bash
# `make run`: migrate, the demo team, the huey consumer and the web server; the demo login and API
# key are printed last, once the server answers, so they do not scroll away. Ctrl-C stops both.
set -euo pipefail
PORT=${PORT:-8000}
PY=.venv/bin/python

$PY manage.py migrate --noinput
demo=$($PY manage.py demo)

$PY manage.py run_huey &
consumer=$!
$PY manage.py runserver "127.0.0.1:$PORT" &
server=$!
trap 'kill $server $consumer 2>/dev/null; wait $server $consumer 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 60); do  # until the server answers (at most 30 s)
  if $PY -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null; then break; fi
  kill -0 $server 2>/dev/null || exit 1
  sleep 0.5
done
echo
echo "$demo"
echo "  Dashboard:       http://127.0.0.1:$PORT/   (Ctrl-C stops the web server and the huey consumer)"
echo
wait $server
