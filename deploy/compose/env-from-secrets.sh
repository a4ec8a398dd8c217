#!/bin/sh
# Entry point of the store's containers in docker-compose.prod.yml: exports each secret file mounted at
# /run/secrets/<VARIABLE> (compose `secrets:`) as the environment variable <VARIABLE>, refuses to start
# when a required one ($TAMS_REQUIRED_SECRETS, space-separated) is missing or empty, then runs the store.
# Secrets stay out of compose files, `docker inspect` and the image; the store reads its usual variables.
set -eu
dir=${TAMS_SECRETS_PATH:-/run/secrets}
for name in ${TAMS_REQUIRED_SECRETS:-}; do
  if [ ! -s "$dir/$name" ]; then
    echo "tams: the secret $name is missing or empty at $dir/$name; create its file (see docker-compose.prod.yml)" >&2
    exit 78
  fi
done
if [ -d "$dir" ]; then
  for file in "$dir"/*; do
    [ -f "$file" ] || continue
    name=$(basename "$file")
    case "$name" in
      TAMS_* | AWS_*) ;;
      *) continue ;;
    esac
    # The file's content without its final newline (editors add one).
    value=$(cat "$file")
    export "$name=$value"
  done
fi
exec node "${TAMS_BIN:-/app/bin/tams.js}" "$@"
