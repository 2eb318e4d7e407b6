// perf/backplane_report.mjs — the report of scripts/bench's `backplane` scenario (perf/backplane.mjs, issue 16):
// the targets met or missed (three nodes' p99 within 2 ms of one node's, nothing lost) and tables of the fan-out,
// of one stream's throughput with three nodes reading and of redis-benchmark's XADD rate, for report.md.
const TARGETS = { p99ExtraMs: 2 }; // three nodes' p99 at most this much above one node's, same total clients

const num = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(digits));
const big = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
const ok = (met) => (met === null ? "not measured" : met ? "**met**" : "**missed**");
const found = (results, scenario, server) =>
  results.find((r) => r.scenario === scenario && (!server || r.server === server) && !r.error && !r.skipped);

export function evaluateBackplaneTargets(results) {
  const one = found(results, "backplane_fanout", "ssetool_1_node");
  const three = found(results, "backplane_fanout", "ssetool_3_nodes");
  const flow = found(results, "backplane_throughput");
  if (!one && !three && !flow) return [];
  const t = [];
  const add = (target, measured, met) => t.push({ target, measured, met });
  const extra = one && three ? three.latency_ms.p99 - one.latency_ms.p99 : null;
  add(`3 nodes' p99 <= 1 node's + ${TARGETS.p99ExtraMs} ms (same clients)`,
    extra === null ? "–" : `${num(three.latency_ms.p99)} ms vs ${num(one.latency_ms.p99)} ms (+${num(extra)} ms)`,
    extra === null ? null : extra <= TARGETS.p99ExtraMs);
  const runs = [one, three, flow].filter(Boolean);
  const missing = runs.reduce((sum, r) => sum + r.reordered + (r.missing_by_node ?
    r.missing_by_node.reduce((a, b) => a + b, 0) : r.expected - r.received), 0);
  add("0 lost or reordered (every backplane run)", `${big(missing)} events missing or reordered in ${runs.length} runs`,
    missing === 0);
  return t;
}

export function backplaneSection(results) {
  const rows = results.filter((r) => r.scenario === "backplane_fanout" && !r.error && !r.skipped);
  const flow = found(results, "backplane_throughput");
  const rb = found(results, "backplane_redis_benchmark");
  const skipped = results.find((r) => r.scenario.startsWith("backplane") && r.skipped);
  if (!rows.length && !flow && !rb && !skipped) return "";
  let md = "## More than one machine: `pipe --backplane` on one Redis (issue 16)\n\n";
  if (skipped) md += `Skipped: ${skipped.skipped}\n\n`;
  md += "The first node reads the paced input (`--stamp`: stamped when read, before its XADD); every node serves " +
    "what its XREAD returns, so the latency is input -> Redis -> node -> client. All nodes, redis-server and the " +
    "load clients share the machine. Latency: the slowest node's clients. Entry ids are not numbers, so the load " +
    "client's lost count cannot see a gap: delivered / expected is what tells.\n\n";
  const targets = evaluateBackplaneTargets(results);
  if (targets.length) {
    md += "| target | measured | |\n|---|---|---|\n";
    for (const t of targets) md += `| ${t.target} | ${t.measured} | ${ok(t.met)} |\n`;
    md += "\n";
  }
  if (rows.length) {
    const r0 = rows[0];
    md += `### ${big(r0.clients)} clients x ${r0.rate}/s for ${r0.seconds} s\n\n` +
      "| nodes x clients | CPU us/delivery (all nodes) | p50 ms | p99 ms | max ms | delivered / expected | missing | " +
      "redis-server CPU us/event | RSS MiB per node |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for (const r of rows)
      md += `| ${r.nodes} x ${big(r.clients / r.nodes)} | ${num(r.us_per_delivery)} | ${num(r.latency_ms.p50)} | ` +
        `${num(r.latency_ms.p99)} | ${num(r.latency_ms.max)} | ${big(r.received)} / ${big(r.expected)} | ` +
        `${big(r.expected - r.received)} | ${num(r.redis_us_per_event)} | ${r.rss_kb.map((k) => num(k / 1024, 1)).join(", ")} |\n`;
    md += "\n";
  }
  if (flow || rb) {
    md += "### One stream's throughput\n\n| what | events/s | |\n|---|--:|---|\n";
    if (flow)
      md += `| ${flow.nodes} nodes reading, 1 client each, ${big(flow.count)} lines as fast as the first node appends ` +
        `| ${big(flow.events_per_s)} | to the input node's client in ${num(flow.window_s)} s; missing per node: ` +
        `${flow.missing_by_node.map(big).join(", ")} (a node more than --history + 1000 entries behind misses ` +
        `what is trimmed meanwhile); nodes' CPU ${num(flow.us_per_event)} us/event |\n`;
    if (rb) {
      const ratio = (x) => (flow ? ` (ssetool: ${num(flow.events_per_s / x)}x)` : "");
      md += `| redis-benchmark XADD, one per round trip, 50 connections | ${big(rb.xadd_per_s)} | ` +
        `Redis ${rb.version}${ratio(rb.xadd_per_s)} |\n`;
      md += `| redis-benchmark XADD, pipelined by ${rb.pipeline} | ${big(rb.xadd_per_s_pipelined)} | ` +
        `${ratio(rb.xadd_per_s_pipelined).trim()} |\n`;
    }
    md += "\n";
  }
  return md;
}
