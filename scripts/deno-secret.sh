#!/bin/sh
# `deno task secret …` runs this. Named in the task itself, `deno` would resolve to
# node_modules/.bin/deno (the npm package's native binary, which deno task then runs as JavaScript);
# this shell finds the real executable on PATH instead: node_modules/.bin's after `npm ci`, the user's
# without. Without node_modules, the npm dependencies come from Deno's own cache (--node-modules-dir=none).
# The CLI runs in the directory the task was started from, so relative paths are the user's.
root=$(cd "$(dirname "$0")/.." && pwd)
modules=
[ -d "$root/node_modules" ] || modules=--node-modules-dir=none
cd "${INIT_CWD:-.}" || exit 1
exec deno run --quiet --config "$root/deno.json" $modules \
  --allow-env --allow-sys=uid,hostname --allow-read --allow-write --allow-net --allow-run \
  "$root/cli/main.ts" "$@"
