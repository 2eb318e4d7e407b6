// perf/mcp_report.mjs — the report of scripts/bench's `mcp` scenario (perf/mcp.mjs, issue 14): the targets met or
// missed (tool-call round trip against supergateway's, bridge memory per session, processes left after the
// sessions end) and a table of every figure, for report.json and report.md (see report.mjs).
const TARGETS = {
  roundTripRatio: 0.5, // ssetool's tool-call round trip at most half of supergateway's (p50 and p99)
  rssPerSessionKiB: 64, // the bridge's own RSS per open session
  processesLeft: 0, // processes left a fixed time after 100 sessions ended
};

const num = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(digits));
const ok = (met) => (met === null ? "not measured" : met ? "**met**" : "**missed**");
const isMcp = (r) => r.scenario === "mcp" || (r.error && r.scenario.startsWith("mcp"));
const measured = (results, server) => results.find((r) => r.scenario === "mcp" && r.server === server && !r.error &&
  !r.skipped);

// Every target of the `mcp` scenario: what was measured and whether it is met (null: not measured in this run).
export function evaluateMcpTargets(results) {
  if (!results.some(isMcp)) return [];
  const sse = measured(results, "ssetool");
  const sg = measured(results, "supergateway");
  const t = [];
  const add = (target, text, met) => t.push({ target, measured: text, met });
  for (const q of ["p50", "p99"]) {
    const ratio = sse && sg ? sse.round_trip_ms[q] / sg.round_trip_ms[q] : null;
    add(`tool-call round trip ${q} <= ${TARGETS.roundTripRatio}x supergateway's (kept-alive connections)`,
      ratio === null ? "–" : `${num(sse.round_trip_ms[q], 3)} ms vs ${num(sg.round_trip_ms[q], 3)} ms = ` +
        `${num(ratio)}x`, ratio === null ? null : ratio <= TARGETS.roundTripRatio);
  }
  for (const r of [sse, sg].filter(Boolean)) {
    add(`${r.server}: bridge RSS per open session <= ${TARGETS.rssPerSessionKiB} KiB (${r.sessions} sessions)`,
      `${num(r.rss_per_session_kb, 1)} KiB`, r.rss_per_session_kb <= TARGETS.rssPerSessionKiB);
    const left = Math.max(r.left_descendants, r.left_echo_servers);
    add(`${r.server}: ${TARGETS.processesLeft} processes left ${num(r.left_after_ms / 1000, 0)} s after ` +
      `${r.sessions} sessions ended`, `${r.left_descendants} descendants, ${r.left_echo_servers} echo servers`,
      left <= TARGETS.processesLeft);
  }
  return t;
}

function statuses(r) {
  return Object.entries(r.delete_statuses).map(([status, n]) => `${n} x ${status}`).join(", ");
}

export function mcpSection(results, targets) {
  const rows = results.filter(isMcp);
  if (!rows.length) return "";
  const sg = measured(results, "supergateway");
  const first = rows.find((r) => r.calls);
  let md = "## MCP bridge: `ssetool serve --mcp` vs supergateway (issue 14)\n\n" +
    "The same stdio MCP server (perf/mcp_echo_server.cpp: one `echo` tool, newline-delimited JSON-RPC) behind " +
    "each bridge in its stateful Streamable HTTP mode, driven by the same raw-HTTP clients. On a " +
    "fresh bridge: its own VmRSS (children excluded) after one session opened and ended, and again with 100 " +
    "sessions open (each initialized, holding its GET stream as the SDK client does, one call made); the 100 " +
    "sessions ended with DELETE and, after a wait, the processes left: the bridge's descendants (/proc parent " +
    "links) and echo servers running anywhere. Then, after a warm-up, " +
    `${first ? first.calls.toLocaleString("en-US") : "N"} tools/call in sequence on one session, each timed ` +
    "from sending the POST to receiving its response, by a C++ client (perf/mcp_client.cpp) on kept-alive " +
    "connections, again with a new connection per call, and once more by a Node client (perf/mcp.mjs, kept-alive " +
    "connections; its own pauses on a shared machine add to every bridge alike: what a Node client such as the SDKs' " +
    "sees). The targets use the C++ client's figures. " +
    `supergateway${sg ? ` ${sg.version}` : " (when installed)"} runs with ` +
    "`--outputTransport streamableHttp --stateful --logLevel none`, " +
    "kept on 127.0.0.1 by perf/peers/loopback_listen.mjs; ssetool with `serve --mcp -q --max-sessions` above " +
    "the 100 sessions (its default is 64).\n\n";
  md += "| target | measured | |\n|---|---|---|\n";
  for (const t of targets) md += `| ${t.target} | ${t.measured} | ${ok(t.met)} |\n`;
  md += "\n| bridge | p50 ms | p99 ms | max ms | bridge CPU us/call | " +
    "new connection per call: p50 / p99 ms, CPU us | Node client: p50 / p99 ms | " +
    "POSTs resent | RSS idle MiB | RSS, 100 sessions MiB | KiB per session | processes, 100 sessions | " +
    "DELETE answers | left after wait |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|\n";
  for (const r of rows) {
    if (r.error || r.skipped) {
      md += `| ${r.server ?? r.scenario} | ${r.skipped ? "skipped" : "failed"}: ${r.skipped ?? r.error} |` +
        " | | | | | | | | | | | | |\n";
      continue;
    }
    const n = r.new_connection;
    md += `| ${r.server} | ${num(r.round_trip_ms.p50, 3)} | ${num(r.round_trip_ms.p99, 3)} | ` +
      `${num(r.round_trip_ms.max, 3)} | ${num(r.bridge_cpu_us_per_call, 0)} | ${num(n.round_trip_ms.p50, 3)} / ` +
      `${num(n.round_trip_ms.p99, 3)}, ${num(n.bridge_cpu_us_per_call, 0)} | ` +
      `${num(r.node_client_round_trip_ms?.p50, 3)} / ${num(r.node_client_round_trip_ms?.p99, 3)} | ${r.resent_posts} | ` +
      `${num(r.rss_idle_kb / 1024, 1)} | ` +
      `${num(r.rss_sessions_kb / 1024, 1)} | ${num(r.rss_per_session_kb, 1)} | ${r.processes_with_sessions} | ` +
      `${statuses(r)} | ${Math.max(r.left_descendants, r.left_echo_servers)} after ` +
      `${num(r.left_after_ms / 1000, 0)} s${r.left_after_stop ? `; ${r.left_after_stop} still there after the ` +
        "bridge stopped (killed by the bench)" : ""} |\n`;
  }
  md += "\nBridge CPU: utime + stime of the bridge process (not its children) over the C++ client's kept-alive calls, divided by " +
    "the calls (and over the calls on new connections); /proc counts in clock ticks, so small values are " +
    "coarse. \"POSTs resent\": requests sent again on " +
    "a new connection because the server had closed the kept-alive one after its previous answer (counted in the " +
    "round trip).\n\n";
  return md;
}
