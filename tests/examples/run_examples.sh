#!/usr/bin/env bash
# The examples test: runs every example block of README.md and of every man page's EXAMPLES section, as written,
# and checks that it does what its text promises. The blocks are extracted from the documents at every run, so the
# documents and this test cannot drift apart:
#   - a block that has no check fails the test ("no check for the block at README.md:42 ..."),
#   - a check whose block is gone fails it too ("check for a block that no document has any more").
#
#   tests/examples/run_examples.sh BUILT_SSETOOL SOURCE_DIR [KEY-SUBSTRING | --list]
# (CTest: "examples: README and man pages"). With a KEY-SUBSTRING only the blocks whose key contains it run;
# --list prints every block's place and key.
#
# Exit status: 0 every block passed its check, 1 otherwise. Every block runs in a temporary directory of its own,
# in a process group of its own that is killed when its check ends; every run is bounded in time; every server
# listens on 127.0.0.1 only and every request goes to 127.0.0.1.
#
# How a block runs "as written" (the whole of what is rewritten is the substitution table in substitute() below):
#   - `ssetool` is the built binary, through a wrapper first in PATH, and so is `scripts/run` (the same wrapper in
#     the block's directory: scripts/run would build first); `tests/` links to the source tree's tests/;
#   - port 8080 (and 9000) becomes a free port, `--listen :PORT` becomes `--listen 127.0.0.1:PORT` (loopback only),
#     and the README's second and third nodes and its Redis (8081, 8082, 6379) free ports of their own,
#     and the wrapper gives a server subcommand (pipe, serve, replay) without --listen/-l `--listen 127.0.0.1:PORT`
#     (its default, 127.0.0.1:8080, may be taken on a CI machine);
#   - outside-world URLs (api.example.com, example.com, api.anthropic.com) become a local stand-in server;
#   - bench's `--duration 30s` becomes 3s, and `-c 10000 --ramp 2000` becomes `-c 200 --ramp 200`.
# Stand-ins (make_standins, make_work, start_standin_* below): my-producer (NDJSON updates), my-mcp-server (the test
# MCP server tests/data/serve/mcp_server.py), npx (tests/data/serve/mcp/streamable_server.mjs),
# ./run-client-tests (curl to $OPENAI_BASE_URL/chat/completions), progress.py, request.json, events.ndjson,
# events.txt, feed.sse, openai-chat.sse, routes.json, app.log (growing), a replay server for outside URLs
# (start_standin_api), and a pipe server for blocks that are only a client (start_standin_pipe).
#
# Adding a check for a new block (a few lines in checks.sh):
#   example 'FIRST COMMAND LINE OF THE BLOCK, as written' check_function [ARGS...]
#   check_function() { ...; }   # runs the block with the helpers below and returns non-zero (after saying why)
# The key is the block's first line that is neither blank nor a comment, before substitution. Helpers:
#   cmd N                  the Nth command of the block (comments dropped, continued lines joined), substituted
#   run_block SECS [N]     runs the block (or its command N) in the foreground, bounded; sets $rc, out, err files
#   start_block [N]        starts the block (or command N) in the background, in its own process group
#   await_port [SECS]      waits until $PORT answers GET /healthz
#   expect_events URL N    reads URL with curl until N data lines arrived (bounded); they are in the file `got`
#   expect_file_has FILE TEXT, fail MESSAGE
set -uo pipefail

ssetool=$(realpath "$1")
source_dir=$(realpath "$2")
only=${3:-}
here=$(dirname "$(realpath "$0")")
root=$(mktemp -d "${TMPDIR:-/tmp}/ssetool-examples.XXXXXX")

# Every process group started (a block, a stand-in) is listed in $root/groups and killed when its block's check
# ends, and at exit.
track() { echo "$1" >> "$root/groups"; }
kill_groups() {
  local g
  [ -f "$root/groups" ] || return 0
  for g in $(cat "$root/groups"); do kill -TERM -- "-$g" 2>/dev/null; done
  sleep 0.1
  for g in $(cat "$root/groups"); do kill -KILL -- "-$g" 2>/dev/null; done
  rm -f "$root/groups"
}
cleanup() {
  kill_groups
  rm -rf "$root"
}
trap cleanup EXIT

# --- extraction ------------------------------------------------------------------------------------------------

# Every block into $root/blocks/NAME (its text, groff escapes undone) and NAME.where (FILE:LINE of its first line).
extract_blocks() {
  mkdir -p "$root/blocks"
  awk -v dir="$root/blocks" -v name="README.md" '
    /^```(sh|bash|shell)[[:space:]]*$/ { n = sprintf("%s/readme-%03d", dir, ++count); print name ":" NR + 1 > (n ".where"); inb = 1; printf "" > n; next }
    /^```/ && inb { inb = 0; close(n); next }
    inb { print > n }' "$source_dir/README.md"
  local page base
  for page in "$source_dir"/man/*.1; do
    base=$(basename "$page")
    awk -v dir="$root/blocks" -v name="man/$base" '
      /^\.SH/ { ex = ($0 ~ /^\.SH "?EXAMPLES"?/); next }
      ex && /^\.(EX|nf)/ { n = sprintf("%s/%s-%03d", dir, substr(name, 5), ++count);
                           print name ":" NR + 1 > (n ".where"); inb = 1; printf "" > n; next }
      ex && inb && /^\.(EE|fi)/ { inb = 0; close(n); next }
      ex && inb && /^\.(RS|RE|PP)/ { next }
      ex && inb { gsub(/\\-/, "-"); gsub(/\\\(aq/, "\047"); gsub(/\\\(dq/, "\""); gsub(/\\e/, "\\");
                  gsub(/\\&/, ""); print > n }' "$page"
  done
}

# The block's key: its first line that is neither blank nor a comment.
block_key() { grep -v -E '^[[:space:]]*(#|$)' "$1" | head -n 1; }

# --- the substitution table --------------------------------------------------------------------------------------

substitute() {
  sed -E \
    -e "s/--listen :([0-9]+)/--listen 127.0.0.1:\1/g" \
    -e "s/\b(8080|9000)\b/$PORT/g" \
    -e "s/\b8081\b/$PORT_B/g" -e "s/\b8082\b/$PORT_C/g" -e "s/\b6379\b/$REDIS_PORT/g" \
    -e "s#https://(api\.example\.com|example\.com|api\.anthropic\.com)#http://127.0.0.1:$STANDIN_PORT#g" \
    -e "s/--duration 30s/--duration 3s/g" \
    -e "s/-c 10000 --ramp 2000/-c 200 --ramp 200/g"
}

# --- helpers for checks ------------------------------------------------------------------------------------------

fail() { echo "    FAIL: $*" >&2; return 1; }

free_port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport'; }

# The block's commands, one a line: comments and blank lines dropped, lines continued by "\" or a trailing "|"
# joined to the next.
commands() {
  grep -v -E '^[[:space:]]*(#|$)' "$BLOCK" | sed -E 's/[[:space:]]+#[^"'\'']*$//' |
    awk '{ line = line $0 } /(\\|\|)[[:space:]]*$/ { sub(/\\[[:space:]]*$/, "", line); line = line " "; next }
         { print line; line = "" }'
}
cmd() { commands | sed -n "${1}p"; }

script_of() {  # the whole block, or its command N
  if [ -n "${1:-}" ]; then cmd "$1"; else cat "$BLOCK"; fi
}

start_block() {
  script_of "${1:-}" > "$WORK/bg.sh"
  (cd "$WORK" && exec setsid bash bg.sh > "$WORK/bg.out" 2> "$WORK/bg.err" < /dev/null) &
  BG_PID=$!
  track "$BG_PID"
}

# Waits up to SECS for the block started by start_block to end; $rc is its status (124 when it did not end).
wait_bg() {
  local deadline=$(($(date +%s) + $1))
  while [ "$(ps -o stat= -p "$BG_PID" 2>/dev/null | cut -c1)" != Z ] && kill -0 "$BG_PID" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { rc=124; return 0; }
    sleep 0.05
  done
  rc=0; wait "$BG_PID" || rc=$?
}

# Runs the block (or command N) bounded by SECS; $rc is its status (124 when cut).
run_block() {
  local secs=$1
  script_of "${2:-}" > "$WORK/fg.sh"
  (cd "$WORK" && exec setsid bash fg.sh > "$WORK/out" 2> "$WORK/err" < /dev/null) &
  local pid=$!
  track "$pid"
  sleep "$secs" &
  local watchdog=$!
  wait -n "$pid" "$watchdog" || true
  if kill -0 "$watchdog" 2>/dev/null; then
    kill "$watchdog" || true; wait "$watchdog" 2>/dev/null || true
    rc=0; wait "$pid" || rc=$?
  else
    kill -KILL -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rc=124
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true  # what the block left running in the background
}

await_port() {
  local port=${2:-$PORT} deadline=$(($(date +%s) + ${1:-10}))
  until curl -sk -m 2 -o /dev/null "http://127.0.0.1:$port/healthz" || curl -sk -m 2 -o /dev/null "https://127.0.0.1:$port/healthz"; do
    [ "$(date +%s)" -lt "$deadline" ] || { fail "nothing listening on port $port"; cat "$WORK/bg.err" >&2 2>/dev/null; return 1; }
    sleep 0.05
  done
}

# alive PID: the process is running (not gone, not a zombie waiting to be reaped).
alive() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]; }

# data_lines FILE: how many "data:" lines the file has (0 when it does not exist).
data_lines() { local n; n=$(grep -c '^data:' "$1" 2>/dev/null) || true; echo "${n:-0}"; }

# expect_events URL N [curl options...]: N data lines within 10 s (the first N in `got`; all that was read in
# `stream`). curl is stopped as soon as they are there.
expect_events() {
  local url=$1 n=$2; shift 2
  rm -f "$WORK/curl.status" "$WORK/stream" "$WORK/got"   # curl -o creates its file only once data comes
  (cd "$WORK" && exec curl -sN -m 15 -o "$WORK/stream" -w '%{http_code} curl exit %{exitcode}' "$@" "$url" \
     > "$WORK/curl.status") &
  local curl_pid=$! deadline=$(($(date +%s) + 10))
  while [ "$(data_lines "$WORK/stream")" -lt "$n" ] && alive "$curl_pid" && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.05
  done
  kill "$curl_pid" 2>/dev/null || true
  wait "$curl_pid" 2>/dev/null || true
  grep '^data:' "$WORK/stream" | head -n "$n" > "$WORK/got" || true
  local have; have=$(data_lines "$WORK/got")
  [ "$have" -ge "$n" ] || fail "$url: $have of $n events within 10 s (HTTP $(cat "$WORK/curl.status" 2>/dev/null))"
}

expect_file_has() { grep -q -F -- "$2" "$1" || fail "$1 lacks '$2': $(head -c 600 "$1")"; }

# --- stand-ins ---------------------------------------------------------------------------------------------------

make_standins() {
  mkdir -p "$root/bin"
  cat > "$root/bin/ssetool" <<EOF
#!/bin/bash
# The built ssetool; a server subcommand without --listen listens on the block's free port instead of 8080.
args=("\$@")
if [[ "\${1:-}" =~ ^(pipe|serve|replay)\$ ]] && ! printf '%s\\n' "\$@" | grep -q -E '^(-l|--listen)(=|\$)'; then
  args=("\$1" --listen "127.0.0.1:\$EXAMPLE_PORT" "\${@:2}")
fi
exec "$ssetool" "\${args[@]}"
EOF
  chmod +x "$root/bin/ssetool"
  cat > "$root/bin/my-producer" <<'EOF'
#!/bin/sh
# Stand-in for the reader's own producer: an NDJSON update a line, 5 a second.
i=0; while :; do i=$((i + 1)); echo "{\"data\":{\"n\":$i}}"; sleep 0.2; done
EOF
  cat > "$root/bin/my-mcp-server" <<EOF
#!/bin/sh
# Stand-in for the reader's MCP server: the test suite's stdio MCP server.
exec python3 "$source_dir/tests/data/serve/mcp_server.py"
EOF
  cat > "$root/bin/npx" <<EOF
#!/bin/sh
# Stand-in for npx -y @modelcontextprotocol/server-*: the test suite's stdio MCP server (no network).
exec node "$source_dir/tests/data/serve/mcp/streamable_server.mjs"
EOF
  chmod +x "$root/bin/my-producer" "$root/bin/my-mcp-server" "$root/bin/npx"
}

# A block's directory: scripts/run and tests/ as at the top of the source tree, and the files examples read.
make_work() {
  WORK=$(mktemp -d "$root/work.XXXXXX")
  mkdir -p "$WORK/scripts"
  ln -s "$root/bin/ssetool" "$WORK/scripts/run"
  ln -s "$source_dir/tests" "$WORK/tests"
  printf '%s\n' '{"event":"deploy","data":{"version":"1.2"}}' '{"data":"plain text"}' > "$WORK/events.ndjson"
  printf '%s\n' one two three > "$WORK/events.txt"
  printf 'id: 1\ndata: one\n\nid: 2\ndata: two\n\nid: 3\ndata: three\n\nid: 4\ndata: four\n\n' > "$WORK/feed.sse"
  cp "$source_dir/tests/data/replay/openai-chat.sse" "$WORK/"
  echo '{"model":"x","stream":true}' > "$WORK/request.json"
  printf '%s\n' '[{"name": "chat", "match": {"method": "POST", "path": "/v1/chat/completions"},' \
    '  "recording": "openai-chat.sse"}]' \
    > "$WORK/routes.json"
  printf '#!/bin/sh\n# stand-in for the reader'"'"'s client tests\nexec curl -sfN -X POST -d "{}" "$OPENAI_BASE_URL/chat/completions"\n' \
    > "$WORK/run-client-tests"
  chmod +x "$WORK/run-client-tests"
  printf 'import sys, time\nfor i in range(1, 6):\n    print(f"step {i}/5")\n    time.sleep(0.2)\n' > "$WORK/progress.py"
  printf 'event: price\ndata: {"sym":"ABC","px":12.5}\n\ndata: other\n\n' > "$WORK/price-feed.sse"
  setsid sh -c 'i=0; while :; do i=$((i+1)); echo "log line $i" >> "$1"; sleep 0.2; done' sh "$WORK/app.log" &
  track "$!"
}

# A replay server for the outside world's URLs: the sample chat stream on every path and method.
start_standin_api() {
  (cd "$WORK" && exec setsid "$ssetool" replay "$source_dir/tests/data/replay/anthropic-messages.sse" \
     -r "GET /events=$source_dir/tests/data/replay/anthropic-messages.sse" \
     -r "POST /v1/chat=$source_dir/tests/data/replay/anthropic-messages.sse" \
     -r "POST /v1/messages=$source_dir/tests/data/replay/anthropic-messages.sse" \
     -r "GET /feed=$WORK/price-feed.sse" \
     --journal "$WORK/standin.ndjson" --listen "127.0.0.1:$STANDIN_PORT" -q > /dev/null 2>&1) &
  track "$!"
  await_port 10 "$STANDIN_PORT"
}

# A pipe server for blocks that are only a client: an event every 0.1 s on $PORT.
start_standin_pipe() {
  setsid sh -c 'i=0; while :; do i=$((i+1)); echo "event $i"; sleep 0.1; done |
    "$0" pipe --listen "127.0.0.1:$1" -q' "$ssetool" "$PORT" &
  track "$!"
  await_port
}

# --- the run -----------------------------------------------------------------------------------------------------

declare -A check_of=() used=()
example() { check_of["$1"]=$(printf '%q ' "${@:2}"); }
source "$here/checks.sh"

for tool in curl jq openssl vmstat python3 perl setsid pgrep; do
  command -v "$tool" > /dev/null || { echo "examples: '$tool' is needed (scripts/test installs it)" >&2; exit 1; }
done
extract_blocks
if [ "$only" = --list ]; then
  for BLOCK in $(ls "$root"/blocks/* | grep -v '\.where$'); do echo "$(cat "$BLOCK.where") $(block_key "$BLOCK")"; done
  exit 0
fi
make_standins
export PATH="$root/bin:$PATH"
failures=0 passed=0
for BLOCK in $(ls "$root"/blocks/* | grep -v '\.where$'); do
  where=$(cat "$BLOCK.where")
  key=$(block_key "$BLOCK")
  [ -n "$only" ] && [[ "$key" != *"$only"* ]] && { used["$key"]=1; continue; }
  if [ -z "${check_of[$key]+set}" ]; then
    echo "FAIL $where: no check for the block starting '$key' (add one to tests/examples/checks.sh)" >&2
    failures=$((failures + 1)); continue
  fi
  used["$key"]=1
  PORT=$(free_port) STANDIN_PORT=$(free_port) PORT_B=$(free_port) PORT_C=$(free_port) REDIS_PORT=$(free_port)
  export EXAMPLE_PORT=$PORT
  make_work
  substitute < "$BLOCK" > "$WORK/block.sh"
  raw_block=$BLOCK BLOCK="$WORK/block.sh"
  start=$SECONDS
  (set -e; eval "${check_of[$key]}")
  status=$?
  if [ "$status" -eq 0 ]; then
    echo "ok   $where ($((SECONDS - start)) s): $key"
    passed=$((passed + 1))
  else
    echo "FAIL $where: $key" >&2
    for f in out err bg.out bg.err; do
      [ -s "$WORK/$f" ] && { echo "  --- $f:" >&2; tail -n 15 "$WORK/$f" | sed 's/^/  /' >&2; }
    done
    failures=$((failures + 1))
  fi
  kill_groups
  BLOCK=$raw_block
done
for key in "${!check_of[@]}"; do
  [ -n "${used[$key]+set}" ] && continue
  echo "FAIL: a check for a block that no document has any more: '$key'" >&2
  failures=$((failures + 1))
done
echo "examples: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
