# The checks of the examples test (sourced by run_examples.sh, which explains the helpers and the stand-ins): one
# `example 'KEY' FUNCTION [ARGS]` line per example block of README.md and the man pages, KEY being the block's first
# line that is neither blank nor a comment, as written in the document. Each function runs in the block's own
# directory context and fails (returns non-zero) after saying why.

url() { echo "http://127.0.0.1:$PORT$1"; }

# wait_for FILE TEXT [SECS]: until FILE contains TEXT.
wait_for() {
  local deadline=$(($(date +%s) + ${3:-10}))
  until grep -q -F -- "$2" "$1" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "no '$2' in $1 within ${3:-10} s"
    sleep 0.05
  done
}

# A server block (or its command N) serves at least MIN events at PATH.
serves() {  # serves N|'' PATH MIN [curl options]
  local n=$1 path=$2 min=$3; shift 3
  start_block "$n"
  await_port
  expect_events "$(url "$path")" "$min" "$@"
}

# A client block (or command N) run against a stand-in pipe on $PORT prints at least MIN lines within SECS, and
# is still running then (a stream read for ever) or exits with EXPECTED_RC.
client_prints() {  # client_prints N|'' SECS MIN EXPECTED_RC|124
  start_standin_pipe
  run_block "$2" "$1"
  [ "$rc" -eq "$4" ] || fail "exit status $rc, expected $4"
  [ "$(grep -c . "$WORK/out")" -ge "$3" ] || fail "printed $(grep -c . "$WORK/out") lines, expected $3 or more"
}

# Stops the block started by start_block: SIGTERM to its group, then waits (bounded) until nothing answers on
# $PORT any more, so that the next server gets the port and the next request cannot reach the old one.
stop_block() {
  kill -TERM -- "-$BG_PID" 2>/dev/null || true
  wait "$BG_PID" 2>/dev/null || true
  local deadline=$(($(date +%s) + 10))
  while curl -sk -m 1 -o /dev/null "http://127.0.0.1:$PORT/healthz" && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.05
  done
  kill -KILL -- "-$BG_PID" 2>/dev/null || true
}

# --- README.md ---------------------------------------------------------------------------------------------------

example 'scripts/run pipe -- vmstat 1      # then open http://127.0.0.1:8080/ or: curl -N http://127.0.0.1:8080/events' readme_quick_start
readme_quick_start() {
  serves 1 /events 2
  curl -sf -o "$WORK/page.html" "$(url /)" || fail "GET / failed"
  grep -q -i '<html' "$WORK/page.html" || fail "no viewer page at /"
  # The second command, scripts/test, runs this test among the others: not run here.
  [ "$(cmd 2 | cut -d' ' -f1)" = scripts/test ] || fail "the second command is no longer scripts/test"
}

example 'vmstat 1 | scripts/run pipe' readme_pipe
readme_pipe() {
  serves 1 /events 2
  stop_block
  serves 2 /events 2
  stop_block
  expect_file_has "$WORK/got" "log line"
  # vmstat 1 5: the client connected gets the samples, then the stream ends and ssetool exits 0.
  start_block 3
  await_port
  (timeout 15 curl -sN "$(url /events)" > "$WORK/stream") || fail "the stream of 'vmstat 1 5' did not end"
  [ "$(grep -c '^data:' "$WORK/stream")" -ge 2 ] || fail "vmstat 1 5: fewer than 2 samples"
  wait_bg 10
  [ "$rc" -eq 0 ] || fail "'pipe -- vmstat 1 5' exit status $rc, expected 0"
  # The input ends before anyone connects: ssetool says so and keeps serving the two events.
  start_block 4
  await_port
  wait_for "$WORK/bg.err" "before any client connected; still serving them"
  expect_events "$(url /events)" 2
  expect_file_has "$WORK/got" '"sym":"ABC"'
  expect_file_has "$WORK/got" "plain text"
}

example 'scripts/run pipe --input none --publish --publish-token s3cret' readme_publish
readme_publish() {
  start_block 1
  await_port
  (timeout 10 curl -sN "$(url /events)" > "$WORK/stream") &
  track $!
  local deadline=$(($(date +%s) + 10))
  until curl -s "$(url /metrics)" | grep -q '^ssetool_clients_connected 1'; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "the reader did not connect"
    sleep 0.05
  done
  (cd "$WORK" && eval "$(cmd 2)") > "$WORK/reply" || fail "the POST failed"
  expect_file_has "$WORK/reply" '{"ids":["1"]}'
  wait_for "$WORK/stream" '"env":"prod"'
  stop_block
}

example 'redis-server --port 6379 --bind 127.0.0.1 --appendonly yes' readme_backplane
readme_backplane() {
  start_command 1 redis
  local deadline=$(($(date +%s) + 10))
  until [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { fail "redis-server did not answer on $REDIS_PORT"; return 1; }
    sleep 0.05
  done
  start_command 2 node1
  start_command 3 node2
  await_port 10 "$PORT_B" && await_port 10 "$PORT_C"
  # the second node serves the first node's vmstat samples, with Redis entry ids as SSE ids
  expect_events "http://127.0.0.1:$PORT_C/events" 2
  grep -q -E '^id: [0-9]+-[0-9]+$' "$WORK/stream" || fail "no Redis entry id in: $(head -c 300 "$WORK/stream")"
  local seen; seen=$(grep -m 1 '^id: ' "$WORK/stream" | cut -c5-)
  # a client moving to the first node with that id resumes there (the events after it, no gap event)
  expect_events "http://127.0.0.1:$PORT_B/events" 1 -H "Last-Event-ID: $seen"
  ! grep -q '^event: gap' "$WORK/stream" || fail "a gap event on resume: $(head -c 300 "$WORK/stream")"
  # what is posted to the second node reaches the first node's clients
  (timeout 10 curl -sN "http://127.0.0.1:$PORT_B/events" > "$WORK/on_b") &
  track $!
  deadline=$(($(date +%s) + 10))
  until curl -s "http://127.0.0.1:$PORT_B/metrics" | grep -q '^ssetool_clients_connected 1'; do
    [ "$(date +%s)" -lt "$deadline" ] || { fail "the reader on the first node did not connect"; return 1; }
    sleep 0.05
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' --data-binary 'posted to node 2' \
        "http://127.0.0.1:$PORT_C/events")" = 202 ] || fail "POST to the second node was not accepted"
  wait_for "$WORK/on_b" "data: posted to node 2"
}

# start_command N NAME: command N of the block in the background, in a process group of its own (several at once,
# unlike start_block); its output in NAME.out and NAME.err.
start_command() {
  cmd "$1" > "$WORK/$2.sh"
  (cd "$WORK" && exec setsid bash "$2.sh" > "$WORK/$2.out" 2> "$WORK/$2.err" < /dev/null) &
  track $!
}

example 'scripts/run pipe -f ndjson --path /feed < events.ndjson   # the page finds the stream at /feed by itself' readme_viewer
readme_viewer() {
  serves 1 /feed 2
  curl -sf -o "$WORK/page.html" "$(url /)" || fail "GET / failed"
  grep -q /feed "$WORK/page.html" || fail "the viewer page does not name /feed"
  stop_block
  serves 2 '/events?access_token=s3cret' 1
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$(url /events)")" = 401 ] || fail "no 401 without the token"
  stop_block
  serves 3 /events 1
}

example 'openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout key.pem -out cert.pem 2>/dev/null' readme_https
readme_https() {
  run_block 30 1
  [ "$rc" -eq 0 ] && [ -s "$WORK/cert.pem" ] || fail "openssl made no certificate"
  start_block 2
  await_port
  run_block 4 3   # curl -kN reads for ever: cut after 4 s
  [ "$(grep -c '^data:' "$WORK/out")" -ge 2 ] || fail "curl -kN got fewer than 2 events over HTTPS"
}

example 'scripts/run serve -- tail -n 10 -F app.log' readme_serve
readme_serve() {
  serves 1 /events 3
  stop_block
  expect_file_has "$WORK/got" "log line"
  serves 2 /events 6
  stop_block
  expect_file_has "$WORK/stream" "5/5"
  expect_file_has "$WORK/stream" "event: done"
  serves 3 /events 5
  stop_block
  expect_file_has "$WORK/got" "step 5/5"
  serves 4 /events 1
  expect_file_has "$WORK/stream" "event: endpoint"
}

example 'scripts/run replay tests/data/replay/openai-chat.sse --path /v1/chat/completions --interval 20ms \' readme_replay_ci
readme_replay_ci() {
  run_block 30
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 (the one request completed)"
  expect_file_has "$WORK/out" "Hello"
  expect_file_has "$WORK/requests.ndjson" "/v1/chat/completions"
}

example "scripts/run replay --preset openai-chat --text 'Hello from the mock!' --ttft 200ms --tps 50 \\" readme_replay_preset
readme_replay_preset() {
  run_block 30
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 (the one request completed)"
  expect_file_has "$WORK/out" '"model":"gpt-4o"'
  expect_file_has "$WORK/out" '"delta":{"content":" mock!"}'
  expect_file_has "$WORK/out" 'data: [DONE]'
}

example 'scripts/run replay --record-from https://api.example.com --record tapes \' readme_record_proxy
readme_record_proxy() {
  start_standin_api
  run_block 40
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 (each replay: its one request completed)"
  [ "$(grep -c '^event: message_stop' "$WORK/out")" -eq 2 ] || fail "expected the stream twice, live then replayed"
  expect_file_has "$WORK/tapes/routes.json" '"/v1/messages"'
}

example 'scripts/run listen --record chat.tape --record-bytes --no-reconnect -d @request.json https://api.example.com/v1/chat' readme_record_replay
readme_record_replay() {
  start_standin_api
  run_block 30
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
  [ -s "$WORK/chat.tape" ] || fail "no chat.tape recorded"
  expect_file_has "$WORK/out" "message_stop"
}

example 'printf '"'"'id: 1\ndata: {"n": 1}\n\nid: 2\ndata: {"n": 2}\n\nid: 3\nevent: done\ndata: {"n": 3}\n\n'"'"' > feed.sse' readme_listen_expect
readme_listen_expect() {
  run_block 30
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
  [ "$(cat "$WORK/out")" = "$(printf '1\n2\n3\nstream OK')" ] || fail "printed $(cat "$WORK/out"), expected 1 2 3 and stream OK"
  [ "$(cat "$WORK/last.id")" = 3 ] || fail "last.id holds '$(cat "$WORK/last.id")', expected 3"
}

example 'seq 1 100000000 | scripts/run pipe --stamp --port-file port &' bench_against_pipe
example 'seq 1 1000000 | ssetool pipe --stamp --port-file port &' bench_against_pipe
bench_against_pipe() {
  run_block 60
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
  expect_file_has "$WORK/out" "latency"
}

example 'scripts/bench          # about 6 minutes on 2 cores' readme_bench_script
readme_bench_script() {
  # The benchmark itself takes minutes and is not a test: only that the script named is there.
  [ -x "$source_dir/scripts/bench" ] || fail "scripts/bench is missing"
}

# --- ssetool(1) --------------------------------------------------------------------------------------------------

example 'vmstat 1 | ssetool pipe' serves '' /events 2

example 'ssetool pipe --listen 127.0.0.1:0 --port-file port.txt < events.txt' man_port_file
man_port_file() {
  start_block
  local deadline=$(($(date +%s) + 10))
  until [ -s "$WORK/port.txt" ]; do [ "$(date +%s)" -lt "$deadline" ] || fail "no port.txt"; sleep 0.05; done
  PORT=$(cat "$WORK/port.txt")
  wait_for "$WORK/bg.err" "still serving them"
  expect_events "$(url /events)" 3
  expect_file_has "$WORK/got" "three"
}

example 'curl -N http://127.0.0.1:8080/events' client_prints '' 3 4 124

# --- ssetool-pipe(1) ---------------------------------------------------------------------------------------------

example 'tail -n 20 -F app.log | ssetool pipe' serves '' /events 2
example 'ssetool pipe --listen :9000 -- vmstat 1' serves '' /events 1
example 'my-producer | ssetool pipe -f ndjson --history 10000 -e update' man_pipe_producer
man_pipe_producer() {
  serves '' /events 2
  expect_file_has "$WORK/stream" "event: update"
}

# --- ssetool-listen(1) -------------------------------------------------------------------------------------------

example 'ssetool listen http://localhost:8080/events' client_prints '' 3 4 124
example 'ssetool listen -n 1 --timeout 10s http://localhost:8080/events' client_prints '' 15 1 0
example 'ssetool listen -o json https://example.com/feed | jq -c '"'"'select(.event == "price")'"'"'' man_listen_jq
man_listen_jq() {
  start_standin_api
  start_block
  wait_for "$WORK/standin.ndjson" '/feed'   # the stand-in served the feed (listen then reconnects for ever)
  # Stop listen only: jq (its output a file here, so buffered) then sees the end of its input and prints.
  kill -TERM "$(pgrep -g "$BG_PID" -x ssetool)" || true
  wait_bg 10
  expect_file_has "$WORK/bg.out" '"event":"price"'
  ! grep -q -F '"other"' "$WORK/bg.out" || fail "jq kept an event that is not a price"
}
example 'ssetool listen -d @request.json --token "$API_KEY" --until message_stop \' man_listen_until
man_listen_until() {
  start_standin_api
  export API_KEY=stand-in-key
  run_block 15
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 at message_stop"
  expect_file_has "$WORK/out" "Hello"
}
example 'ssetool listen --record chat.tape --record-bytes --no-reconnect -d @request.json \' man_listen_record
man_listen_record() {
  start_standin_api
  run_block 30
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
  expect_file_has "$WORK/replayed.txt" "Hello"
}

# --- ssetool-bench(1) --------------------------------------------------------------------------------------------

example 'ssetool bench http://127.0.0.1:8080/events -c 10000 --ramp 2000 --json > run.json' man_bench_json
man_bench_json() {
  start_standin_pipe
  run_block 40
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
  expect_file_has "$WORK/run.json" '"latency_ms"'
}
example 'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \' man_bench_https
man_bench_https() {
  run_block 60
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
  expect_file_has "$WORK/out" "latency"
  expect_file_has "$WORK/out" "100 opened"
}
example 'ssetool bench http://127.0.0.1:8080/events -c 1 --expect-gap 5ms' man_bench_gap
man_bench_gap() {
  (cd "$WORK" && exec setsid "$ssetool" replay feed.sse --interval 5ms --listen "127.0.0.1:$PORT" -q > /dev/null 2>&1) &
  track "$!"
  await_port
  run_block 40
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"
  expect_file_has "$WORK/out" "gap"
}

# --- ssetool-replay(1) -------------------------------------------------------------------------------------------

example 'ssetool replay openai-chat.sse --path /v1/chat/completions --interval 50ms' serves '' /v1/chat/completions 3 -X POST -d '{}'
example 'ssetool listen -o json --record chat.tape --record-bytes --until message_stop \' man_replay_record
man_replay_record() {
  start_standin_api
  export KEY=stand-in-key
  run_block 20 1
  [ "$rc" -eq 0 ] || fail "recording: exit status $rc, expected 0"
  serves 2 /v1/messages 2
}
example 'ssetool replay --routes routes.json --listen 127.0.0.1:0 --port-file port \' man_replay_ci
man_replay_ci() {
  run_block 30
  [ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 (jq -e found the chat route in the journal)"
}
example 'ssetool replay feed.sse --speed 0 --drop-after 3' serves '' /events 3
example 'ssetool replay feed.sse --chunking random --seed 42' serves '' /events 4
example "ssetool replay --preset openai-chat --text 'Hello there!' --ttft 300ms --tps 50 --jitter 20% --seed 1" serves '' /v1/chat/completions 5 -d '{"model":"m","stream":true}'

# --- ssetool-serve(1) --------------------------------------------------------------------------------------------

example 'ssetool serve -- tail -n 10 -F app.log' man_serve_tail
man_serve_tail() {
  start_block 1
  await_port
  run_block 3 2   # curl -N reads for ever: cut after 3 s
  expect_file_has "$WORK/out" "log line"
}
example 'ssetool serve --exit-event done -- sh -c \' man_serve_exit_event
man_serve_exit_event() {
  serves '' /events 6
  expect_file_has "$WORK/stream" "5/5"
  expect_file_has "$WORK/stream" "event: done"
}
example 'ssetool serve -- sh -c '"'"'exec vmstat "${QUERY_STRING#interval=}"'"'"'' man_serve_query
man_serve_query() {
  start_block 1
  await_port
  run_block 3 2
  expect_file_has "$WORK/out" "procs"
}
example 'ssetool serve --pty -- python3 progress.py' man_serve_pty
man_serve_pty() {
  serves '' /events 5
  expect_file_has "$WORK/got" "step 5/5"
}
# serve --mcp: an initialize POST with the token to PATH (default /mcp) opens a session (its id in Mcp-Session-Id)
# answered by the server; DELETE ends it.
mcp_session_opens() {
  local path=${1:-/mcp}
  export TOKEN=s3cret
  start_block
  await_port
  local auth="Authorization: Bearer s3cret"
  curl -s -m 10 -D "$WORK/head" -o "$WORK/body" -H "$auth" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"examples","version":"1"}}}' \
    "$(url "$path")" || fail "the initialize POST to $path failed"
  local id
  id=$(grep -i '^mcp-session-id:' "$WORK/head" | cut -d' ' -f2 | tr -d '\r')
  [ -n "$id" ] || fail "no Mcp-Session-Id in the answer to initialize"
  expect_file_has "$WORK/body" '"serverInfo"'
  local status
  status=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X DELETE -H "$auth" -H "Mcp-Session-Id: $id" "$(url "$path")")
  [ "$status" = 204 ] || fail "DELETE of the session answered $status, expected 204"
}
example 'scripts/run serve --mcp --token "$TOKEN" -- npx -y @modelcontextprotocol/server-filesystem /tmp' mcp_session_opens
example 'ssetool serve --mcp --token "$TOKEN" -- npx -y @modelcontextprotocol/server-everything' mcp_session_opens
# --mcp-config: GET / lists both servers (JSON), and each answers at /NAME/mcp.
example "cat > servers.json <<'EOF'" readme_mcp_config
readme_mcp_config() {
  mcp_session_opens /memory/mcp
  curl -s -m 10 -H 'Accept: application/json' -H 'Authorization: Bearer s3cret' "$(url /)" > "$WORK/list" ||
    fail "GET / failed"
  expect_file_has "$WORK/list" '/files/mcp'
  expect_file_has "$WORK/list" '/memory/mcp'
}
example 'ssetool serve --stdin-endpoint --event message --token "$TOKEN" -- my-mcp-server' man_serve_mcp
man_serve_mcp() {
  export TOKEN=s3cret
  serves '' '/events?access_token=s3cret' 1
  expect_file_has "$WORK/stream" "event: endpoint"
}
