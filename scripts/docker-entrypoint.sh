#!/bin/sh
# Container entrypoint. With no arguments: migrate the database, load the seed files (idempotent:
# an unchanged seed set is a no-op), then replace this shell with the server so it gets the signals.
# With arguments, run them instead, e.g. `docker run IMAGE python -m app.cli seed --check`.
set -eu

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

python -m app.cli db upgrade
python -m app.cli seed
exec python -m app.cli serve
