#!/usr/bin/env bash
# The library as a product, end to end: `cmake --install` into a temporary prefix (its file list checked), then
# every examples/ project configured and built out of tree against that prefix with find_package (one configure
# for all five: examples/CMakeLists.txt), each run on port 0 and read with the installed `ssetool listen`.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_install: $*" >&2; exit 1; }

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in bin/ssetool include/ssetool/ssetool.hpp include/ssetool/app/app.hpp include/ssetool/wire/event.hpp \
         lib/cmake/ssetool/ssetoolConfig.cmake lib/cmake/ssetool/ssetoolTargets.cmake lib/pkgconfig/ssetool.pc \
         lib/libssetool_app.a share/man/man1/ssetool.1.gz share/man/man1/ssetool-pipe.1.gz \
         share/bash-completion/completions/ssetool share/zsh/vendor-completions/_ssetool \
         share/fish/vendor_completions.d/ssetool.fish; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
# Public headers never include cpp-httplib, and only the API's headers are installed.
! grep -rq httplib "$prefix/include" || fail "a public header mentions httplib"
[ "$(find "$prefix/include" -name '*.hpp' | wc -l)" -eq 9 ] || fail "unexpected headers: $(find "$prefix/include")"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --exists --print-errors ssetool || fail "ssetool.pc unusable"

cmake -S "$source/examples" -B "$work/examples" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" > "$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
cmake --build "$work/examples" -j2 > "$work/build.log" || { cat "$work/build.log"; fail "examples do not build"; }

listen() { "$prefix/bin/ssetool" listen --timeout 20s --no-reconnect "$@"; }

# start NAME ARGS...: runs an example on port 0 in the background; its port in $port.
start() {
  local name=$1; shift
  "$work/examples/$name/$name" "$@" "127.0.0.1:0" "$work/$name.port" 2> "$work/$name.log" &
  pids+=($!)
  for _ in $(seq 200); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  [ -s "$work/$name.port" ] || fail "$name: no port file in 10 s: $(cat "$work/$name.log")"
  port=$(cat "$work/$name.port")
}

printf 'one\ntwo\n' > "$work/tailed.txt"
start events;    events_port=$port
start heartbeat; heartbeat_port=$port
start json;      json_port=$port
start broadcast; broadcast_port=$port
start tail "$work/tailed.txt"; tail_port=$port

# The five readers at once: the six events a second apart set the pace (about 5 s).
t0=$(date +%s%N)
listen "http://127.0.0.1:$events_port/events" > "$work/events.out" &
events_reader=$!
listen "http://127.0.0.1:$heartbeat_port/heartbeat" -o json -n 5 > "$work/heartbeat.out"
listen "http://127.0.0.1:$json_port/json" > "$work/json.out"
listen "http://127.0.0.1:$broadcast_port/feed" -n 3 > "$work/broadcast.out"
listen "http://127.0.0.1:$tail_port/tail" --last-event-id 0 -n 4 > "$work/tail.out" &
tail_reader=$!
echo three >> "$work/tailed.txt"
wait "$tail_reader" || fail "tail: listen failed"
wait "$events_reader" || fail "events: listen failed"
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))

expect() {  # expect NAME EXPECTED: the reader's output
  [ "$(cat "$work/$1.out")" = "$2" ] || fail "$1: expected [$2], got [$(cat "$work/$1.out")]"
}
expect events "$(printf 'this is SSE #%d\n' 0 1 2 3 4 5)"
expect json '{"firstName":"Jet","id":0,"lastName":"Brains"}
{"id":0,"prices":[100,200]}'
# Id 0 was never sent: the hub's gap event (the oldest id kept), then the whole history, then the new line.
expect tail "$(printf '{"last_event_id":"0","oldest_id":"1"}\none\ntwo\nthree')"
head -1 "$work/heartbeat.out" | grep -q '"event":"hello","data":"Hello 0"' || fail "heartbeat: $(cat "$work/heartbeat.out")"
[ "$(grep -c '"data":"heartbeat"' "$work/heartbeat.out")" -ge 3 ] || fail "heartbeat: $(cat "$work/heartbeat.out")"
grep -qx 'tick [0-9]*' "$work/broadcast.out" && [ "$(wc -l < "$work/broadcast.out")" -eq 3 ] ||
  fail "broadcast: $(cat "$work/broadcast.out")"
# Six events a second apart: five gaps of 1 s (the stream ends after the last sleep).
[ "$elapsed_ms" -ge 4500 ] && [ "$elapsed_ms" -le 12000 ] || fail "events: took ${elapsed_ms} ms, not about 6 s"

# SIGTERM: every example shuts down gracefully and exits 0.
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || fail "an example exited $? after SIGTERM"; done
pids=()
echo "check_install: installed, five examples built against it and read (${elapsed_ms} ms)"
