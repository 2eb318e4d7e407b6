// perf/report.mjs — turns the results of perf/driver.mjs into report.json, report.md (tables with every figure
// as a ratio to its baseline, and the targets of issue 8 met or missed) and, when gnuplot is installed, report.png.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { backplaneSection, evaluateBackplaneTargets } from "./backplane_report.mjs";
import { evaluateMcpTargets, mcpSection } from "./mcp_report.mjs";
import { scaleSection } from "./scale.mjs";
import { tlsSection } from "./tls.mjs";

const TARGETS = {
  cpuVsRaw: 1.5, // CPU per delivery at most 1.5x the raw-write baseline (1,000 x 100/s)
  cpuVsPeer: 0.5, // and at most half of every peer's
  p99Ms: 20, // scenario 1 p99 latency
  oneClientP50Ms: 1,
  idleKiBPerClient: 16, // 10,000 idle clients
  linesPerSecond: 1e6,
  readyMs: 10,
  replayGapP99Ms: 2,
  noticeMs: 100, // issue 3: a closed client noticed (heartbeats off)
  slowDelayMs: 100, // issue 3: 256 slow connections delay /healthz and a new stream by at most this
};

const num = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(digits));
const big = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
// A markdown table head: column titles, "<" left-aligned or ">" right-aligned.
const head = (...columns) =>
  `| ${columns.map((c) => c.slice(1)).join(" | ")} |\n|${columns.map((c) => (c[0] === ">" ? "--:" : "---")).join("|")}|\n`;
const ok = (met) => (met === null ? "not measured" : met ? "**met**" : "**missed**");

function finder(results) {
  return (scenario, server) => results.find((r) => r.scenario === scenario && r.server === server && !r.error);
}

// Every target of issue 8: what was measured and whether it is met (null: not measured in this run).
export function evaluateTargets(results) {
  const find = finder(results);
  const t = [];
  const add = (target, measured, met) => t.push({ target, measured, met });
  const sse = find("fanout_1000x100", "ssetool");
  const raw = find("fanout_1000x100", "raw");
  const cpuRatio = sse && raw ? sse.us_per_delivery / raw.us_per_delivery : null;
  add(`CPU per delivery <= ${TARGETS.cpuVsRaw}x raw write (1,000 x 100/s)`,
    cpuRatio === null ? "–" : `${num(sse.us_per_delivery)} us vs ${num(raw.us_per_delivery)} us = ${num(cpuRatio)}x`,
    cpuRatio === null ? null : cpuRatio <= TARGETS.cpuVsRaw);
  for (const peer of ["node_http", "better_sse"]) {
    const p = find("fanout_1000x100", peer);
    const r = sse && p ? sse.us_per_delivery / p.us_per_delivery : null;
    add(`CPU per delivery <= ${TARGETS.cpuVsPeer}x ${peer}`,
      r === null ? "–" : `${num(sse.us_per_delivery)} us vs ${num(p.us_per_delivery)} us = ${num(r)}x`,
      r === null ? null : r <= TARGETS.cpuVsPeer);
  }
  add(`p99 latency <= ${TARGETS.p99Ms} ms (1,000 x 100/s)`, sse ? `${num(sse.latency_ms.p99)} ms` : "–",
    sse ? sse.latency_ms.p99 <= TARGETS.p99Ms : null);
  const one = find("fanout_1x100", "ssetool");
  add(`one client p50 <= ${TARGETS.oneClientP50Ms} ms`, one ? `${num(one.latency_ms.p50, 3)} ms` : "–",
    one ? one.latency_ms.p50 <= TARGETS.oneClientP50Ms : null);
  const runs = results.filter((r) => r.server === "ssetool" && !r.error && r.lost !== undefined);
  const bad = runs.filter((r) => r.lost || r.reordered || (r.expected !== undefined && r.received !== r.expected)
    || (r.lines !== undefined && r.received !== r.lines));
  add("zero lost or reordered events (every ssetool run)",
    runs.length ? `${runs.length - bad.length} of ${runs.length} runs clean` +
      (bad.length ? ` (not: ${bad.map((r) => r.scenario).join(", ")})` : "") : "–",
    runs.length ? bad.length === 0 : null);
  const idle = results.find((r) => r.scenario === "idle" && r.server === "ssetool" && r.clients === 10000 && !r.error);
  add(`10,000 idle clients <= ${TARGETS.idleKiBPerClient} KiB RSS each`,
    idle ? `${num(idle.rss_per_client_kb, 1)} KiB, ${idle.threads} threads` : "–",
    idle ? idle.rss_per_client_kb <= TARGETS.idleKiBPerClient : null);
  const fast = find("fast_stream", "ssetool");
  add(`>= ${big(TARGETS.linesPerSecond)} lines/s to one client`, fast ? `${big(fast.lines_per_s)} lines/s` : "–",
    fast ? fast.lines_per_s >= TARGETS.linesPerSecond : null);
  for (const [name, what] of [["ssetool_pipe", "pipe"], ["ssetool_replay", "replay, 12-event mock"],
    ["ssetool_replay_1000", "replay, 1,000-event tape"]]) {
    const r = find("time_to_ready", name);
    add(`time to ready <= ${TARGETS.readyMs} ms (${what})`,
      r && r.ok ? `${num(r.p50_ms)} ms (p50 of ${r.ok})` : r?.skipped ? `skipped: ${r.skipped}` : "–",
      r && r.ok ? r.p50_ms <= TARGETS.readyMs : null);
  }
  const replay = find("replay_timing", "ssetool_replay");
  const gap = replay && !replay.skipped ? replay.gap_error_ms : null;
  add(`replay gap error p99 <= ${TARGETS.replayGapP99Ms} ms`,
    gap && gap.count ? `${num(gap.p99, 3)} ms` : replay?.skipped ? `skipped: ${replay.skipped}` : "–",
    gap && gap.count ? gap.p99 <= TARGETS.replayGapP99Ms : null);
  const resp = find("responsiveness", "ssetool");
  add(`closed client noticed <= ${TARGETS.noticeMs} ms, heartbeats off (issue 3)`,
    resp ? `max ${num(resp.disconnect_ms.max)} ms, p50 ${num(resp.disconnect_ms.p50)} ms` : "–",
    resp ? resp.disconnect_ms.max <= TARGETS.noticeMs : null);
  for (const what of ["healthz", "stream"]) {
    const delay = resp ? resp.during[what].max - resp.before[what].p50 : null;
    add(`256 slow connections delay ${what === "healthz" ? "/healthz" : "a new stream"} <= ${TARGETS.slowDelayMs} ms ` +
      "(issue 3)", resp ? `at most ${num(delay)} ms (max with them minus p50 without)` : "–",
      resp ? delay <= TARGETS.slowDelayMs : null);
  }
  return t;
}

function responsivenessTable(results) {
  const r = finder(results)("responsiveness", "ssetool");
  if (!r) return "";
  let md = "## Responsiveness (issue 3)\n\n" +
    `A stream closed by its client, heartbeats off: noticed (clients_connected back to 0 in /metrics) after p50 ` +
    `${num(r.disconnect_ms.p50)} ms, p99 ${num(r.disconnect_ms.p99)} ms, max ${num(r.disconnect_ms.max)} ms ` +
    `(${r.disconnect_ms.count} closes).\n\n` +
    head("<request", ">p50 ms alone", ">max ms alone", `>p50 ms with ${r.connections} slow`,
      `>max ms with ${r.connections} slow`);
  for (const [what, name] of [["healthz", "GET /healthz"], ["stream", "a new stream's headers"]])
    md += `| ${name} | ${num(r.before[what].p50)} | ${num(r.before[what].max)} | ${num(r.during[what].p50)} | ` +
      `${num(r.during[what].max)} |\n`;
  return md + `\nThe ${r.connections} connections: a third send nothing, a third half a request, a third one ` +
    "byte per second.\n\n";
}

function fanOutTable(results, scenario) {
  const rows = results.filter((r) => r.scenario === scenario && !r.error);
  if (!rows.length) return "";
  const raw = rows.find((r) => r.server === "raw");
  const sse = rows.find((r) => r.server === "ssetool");
  const r0 = rows[0];
  let md = `### ${r0.clients.toLocaleString("en-US")} clients x ${r0.rate}/s for ${r0.seconds} s` +
    (r0.stalled ? ` (${r0.stalled} never read)` : "") + "\n\n";
  md += head("<server", ">CPU us/delivery", ">x raw", ">ssetool x this", ">p50 ms", ">p99 ms", ">max ms",
    ">delivered / expected", ">lost", ">reordered", ">RSS MiB", ">threads");
  for (const r of rows) {
    const xRaw = raw && r.us_per_delivery ? r.us_per_delivery / raw.us_per_delivery : null;
    const xThis = sse && r.us_per_delivery && r !== sse ? sse.us_per_delivery / r.us_per_delivery : null;
    md += `| ${r.server} | ${num(r.us_per_delivery)} | ${num(xRaw)} | ${num(xThis)} | ${num(r.latency_ms.p50)} | ` +
      `${num(r.latency_ms.p99)} | ${num(r.latency_ms.max)} | ${big(r.received)} / ${big(r.expected)} | ${r.lost} | ` +
      `${r.reordered} | ${num(r.max_rss_kb / 1024, 1)} | ${r.threads} |\n`;
  }
  return md + "\n";
}

// Issue 15 at 1,000 x 100/s: who pays for a delivery — the server as measured (nchan: its worker), its whole process
// tree (nchan: the feeder and nginx's master too) and the load client — and the targets against nchan.
function deliveryCostSection(results) {
  const rows = results.filter((r) => r.scenario === "fanout_1000x100" && !r.error && r.tree_us_per_delivery != null);
  if (!rows.length) return "";
  let md = "### CPU per delivery by process, 1,000 x 100/s (issue 15)\n\n" +
    head("<server", ">server us", ">its process tree us", ">processes", ">load client us", ">server + load client us");
  for (const r of rows)
    md += `| ${r.server} | ${num(r.us_per_delivery)} | ${num(r.tree_us_per_delivery)} | ${r.tree_processes} | ` +
      `${num(r.load_us_per_delivery)} | ${num(r.us_per_delivery + r.load_us_per_delivery)} |\n`;
  const find = finder(results);
  const [sse, raw, nchan] = ["ssetool", "raw", "nchan"].map((k) => find("fanout_1000x100", k));
  if (!sse) return md + "\n";
  md += "\n" + head("<target", ">measured", "<");
  if (raw) {
    const x = sse.us_per_delivery / raw.us_per_delivery;
    md += `| CPU per delivery <= 1.2 x raw write | ${num(x)} | ${ok(x <= 1.2)} |\n`;
  }
  if (nchan) {
    const x = sse.us_per_delivery / nchan.us_per_delivery;
    const tree = sse.tree_us_per_delivery / nchan.tree_us_per_delivery;
    md += `| CPU per delivery <= 0.7 x nchan's (worker) | ${num(x)} | ${ok(x <= 0.7)} |\n` +
      `| (the same, nchan's feeder and master counted) | ${num(tree)} | |\n`;
    md += `| p99 <= nchan's | ${num(sse.latency_ms.p99)} vs ${num(nchan.latency_ms.p99)} ms | ` +
      `${ok(sse.latency_ms.p99 <= nchan.latency_ms.p99)} |\n`;
  }
  return md + "\n";
}

function slowTable(results) {
  const rows = results.filter((r) => r.scenario === "slow_consumers" && !r.error);
  if (!rows.length) return "";
  const find = finder(results);
  let md = fanOutTable(results, "slow_consumers");
  md += head("<server", ">p99 ms with stalled clients", ">p99 ms without (1,000 x 100/s)", ">ratio", ">max RSS MiB",
    ">dropped as slow");
  for (const r of rows) {
    const base = find("fanout_1000x100", r.server);
    const ratio = base ? r.latency_ms.p99 / base.latency_ms.p99 : null;
    md += `| ${r.server} | ${num(r.latency_ms.p99)} | ${num(base?.latency_ms.p99)} | ${num(ratio)} | ` +
      `${num(r.max_rss_kb / 1024, 1)} | ${r.dropped_slow ?? "–"} |\n`;
  }
  return md + "\n";
}

function idleTable(results) {
  const rows = results.filter((r) => r.scenario === "idle" && !r.error);
  if (!rows.length) return "";
  let md = head(">clients", "<server", ">RSS per client KiB", ">x ssetool", ">threads", ">RSS MiB");
  for (const r of rows) {
    const sse = rows.find((s) => s.server === "ssetool" && s.clients === r.clients);
    md += `| ${big(r.clients)} | ${r.server} | ${num(r.rss_per_client_kb, 1)} | ` +
      `${num(sse ? r.rss_per_client_kb / sse.rss_per_client_kb : null, 1)} | ${r.threads} | ` +
      `${num(r.rss_kb / 1024, 1)} |\n`;
  }
  return md + "\n";
}

// Issue 15: the most streams one load-client process holds here (idle_max), at most 4 KiB of RSS each.
function idleMaxTarget(results) {
  const r = results.find((x) => x.scenario === "idle" && x.server === "ssetool" && x.clients === 19000 && !x.error);
  if (!r) return "";
  const met = r.streams_open === 19000 && r.rss_per_client_kb <= 4;
  return `| target (issue 15) | measured | |\n|---|--:|---|\n| 19,000 idle streams held, <= 4 KiB RSS each | ` +
    `${big(r.streams_open)} held, ${num(r.rss_per_client_kb, 1)} KiB | ${ok(met)} |\n\n`;
}

function otherTables(results) {
  const find = finder(results);
  let md = "";
  const fast = find("fast_stream", "ssetool");
  if (fast) {
    md += "## One fast stream (scenario 4)\n\n" + head(">lines", ">ssetool pipe -> 1 client, lines/s",
      ">cat into a pipe, lines/s", ">ssetool / cat", ">received", ">lost");
    md += `| ${big(fast.lines)} | ${big(fast.lines_per_s)} | ${big(fast.cat_lines_per_s)} | ` +
      `${num(fast.lines_per_s / fast.cat_lines_per_s, 3)} | ${big(fast.received)} | ${fast.lost} |\n\n`;
  }
  const ready = results.filter((r) => r.scenario === "time_to_ready");
  if (ready.length) {
    const pipe = ready.find((r) => r.server === "ssetool_pipe" && r.ok);
    md += "## Time to ready: exec to port file (scenario 6)\n\n" +
      head("<server", ">p50 ms", ">min ms", ">max ms", ">x ssetool pipe", ">runs");
    for (const r of ready) {
      const ratio = pipe ? r.p50_ms / pipe.p50_ms : null;
      md += r.ok ? `| ${r.server} | ${num(r.p50_ms)} | ${num(r.min_ms)} | ${num(r.max_ms)} | ${num(ratio, 1)} | ${r.ok} |\n`
        : `| ${r.server} | skipped: ${r.skipped || r.error} | | | | |\n`;
    }
    md += "\n";
  }
  const replay = results.find((r) => r.scenario === "replay_timing");
  if (replay) {
    md += "## Replay timing (scenario 7)\n\n";
    md += replay.skipped || replay.error ? `Skipped: ${replay.skipped || replay.error}\n\n`
      : `${replay.events} events recorded ${replay.gap_ms} ms apart, one client: ` +
        "gap error (|received gap - recorded gap|) " +
        `p50 ${num(replay.gap_error_ms.p50, 3)} ms, p99 ${num(replay.gap_error_ms.p99, 3)} ms, max ` +
        `${num(replay.gap_error_ms.max, 3)} ms over ${replay.gap_error_ms.count} gaps; ` +
        `${replay.received} events received.\n\n`;
  }
  return md;
}

function markdown(report, targets) {
  const m = report.machine;
  let md = `# ssetool benchmark\n\n${report.started}, ${report.quick ? "quick subset" : "full run"} in ` +
    `${num(report.duration_s, 0)} s on ${m.cpus} x ${m.cpu_model}, Linux ${m.kernel}. Load average before/after: ` +
    `${num(m.loadavg_start[0])} / ${num(m.loadavg_end[0])}` +
    (Math.max(m.loadavg_start[0], m.loadavg_end[0]) > 1.5 ? " — **the machine was busy: figures are unreliable**" : "") +
    `.\nEvents are ${report.line_size - 1}-byte lines sent as frames of about 100 bytes. The load client ` +
    "(`ssetool bench`) shares the machine with the server, so the headline is the server's CPU time per delivery " +
    "(utime + stime from /proc/PID/stat over the measurement window, divided by events received by all clients), " +
    "not throughput. Every figure is compared with a baseline from the same run.\n\n";
  if (targets.some((t) => t.met !== null)) { // a run of only the `mcp` scenario has none of these
    md += "## Targets (issue 8)\n\n| target | measured | |\n|---|---|---|\n";
    for (const t of targets) md += `| ${t.target} | ${t.measured} | ${ok(t.met)} |\n`;
  }
  const fan = ["fanout_1000x100", "fanout_100x1000", "fanout_10000x10", "fanout_1x100"]
    .map((s) => fanOutTable(report.results, s)).join("");
  if (fan) {
    md += "\n## Paced fan-out through `ssetool pipe --stamp` and the peers (scenarios 1 and 2)\n\n";
    md += "`raw` is perf/raw_write.cpp: the same sockets and frames written with one send() each, nothing else.\n\n";
    md += fan + deliveryCostSection(report.results);
  }
  md += scaleSection(report.results, fanOutTable);
  md += tlsSection(report.results, fanOutTable(report.results, "tls_1000x100"));
  const slow = slowTable(report.results);
  if (slow) md += "## Slow consumers (scenario 5)\n\n" + slow;
  const idle = idleTable(report.results);
  if (idle) md += "## Idle hold (scenario 3)\n\n" + idle + idleMaxTarget(report.results);
  md += otherTables(report.results);
  md += responsivenessTable(report.results);
  md += mcpSection(report.results, report.mcp_targets);
  md += backplaneSection(report.results);
  const failed = report.results.filter((r) => r.error);
  if (failed.length)
    md += "## Runs that failed\n\n" + failed.map((r) => `- ${r.scenario}: ${r.error}`).join("\n") + "\n";
  return md;
}

// A chart of CPU per delivery and p99 latency per server at 1,000 x 100/s, when gnuplot is available.
function chart(report, dir) {
  try {
    execFileSync("sh", ["-c", "command -v gnuplot"], { stdio: "ignore" });
  } catch {
    return false;
  }
  const rows = report.results.filter((r) => r.scenario === "fanout_1000x100" && !r.error);
  if (!rows.length) return false;
  const data = rows.map((r) => `${r.server} ${r.us_per_delivery} ${r.latency_ms.p99}`).join("\n") + "\n";
  writeFileSync(join(dir, "report.dat"), data);
  const script = `set terminal png size 900,400
set output '${join(dir, "report.png")}'
set multiplot layout 1,2 title '1,000 clients x 100 events/s'
set style data histograms
set style fill solid 0.7
set boxwidth 0.8
set yrange [0:*]
set title 'server CPU per delivery (us)'
plot '${join(dir, "report.dat")}' using 2:xtic(1) notitle
set title 'p99 latency (ms)'
plot '${join(dir, "report.dat")}' using 3:xtic(1) notitle
unset multiplot
`;
  execFileSync("gnuplot", [], { input: script });
  return true;
}

export function writeReport(report, dir) {
  const targets = evaluateTargets(report.results);
  report.targets = targets;
  report.mcp_targets = evaluateMcpTargets(report.results);
  report.backplane_targets = evaluateBackplaneTargets(report.results);
  writeFileSync(join(dir, "report.json"), JSON.stringify(report, null, 2) + "\n");
  let md = markdown(report, targets);
  if (chart(report, dir)) md += "\n![CPU per delivery and p99 latency](report.png)\n";
  writeFileSync(join(dir, "report.md"), md);
}
