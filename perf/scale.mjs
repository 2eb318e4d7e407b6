// perf/scale.mjs — the scale scenarios of scripts/bench (issue 15): how many clients `scale_max` opens (as many as
// the descriptor limit lets one server process hold), a load client split over several `ssetool bench` processes
// (their reports merged), and the report's section for `scale_10000x10` and `scale_max` (--threads 1 and 2).
import { readFileSync } from "node:fs";

// Descriptors a process may open here: the hard RLIMIT_NOFILE every child inherits (ssetool raises its soft limit
// to it). 20,000 on the machine the bench was written on.
export function descriptorHardLimit() {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  const hard = line ? line.trim().split(/\s+/)[4] : "unlimited";
  return hard === "unlimited" ? Infinity : Number(hard);
}

// The largest fan-out one server process holds: `ssetool pipe` admits (descriptor limit - 64) streams by default
// (server/server.cpp: the rest is for its listener, loops, pipes and logs), so that is the client count, capped at
// `cap` where the limit is much larger. The load client is split so that each `ssetool bench` process holds at most
// half of them (it needs one descriptor per stream plus a few): two processes read the streams in parallel. The
// rate keeps the deliveries per second of scale_10000x10 (100,000/s, which this 2-core machine sustains with the
// load client on it): twice the clients at half the rate, so the time to fan one event out doubles and CPU per
// delivery stays comparable.
export function scaleMaxLoad(seconds, { cap = 50000, deliveriesPerSecond = 100000 } = {}) {
  const limit = descriptorHardLimit();
  const clients = Math.min(cap, Number.isFinite(limit) ? limit - 64 : cap);
  const perProcess = Math.ceil(clients / 2);
  const rate = Math.max(1, Math.round(deliveriesPerSecond / clients));
  return { clients, rate, seconds, loadProcesses: Math.ceil(clients / perProcess), descriptor_limit: limit };
}

// Splits `clients` as evenly as possible over `processes`.
export function splitClients(clients, processes) {
  const base = Math.floor(clients / processes);
  return Array.from({ length: processes }, (_, i) => base + (i < clients % processes ? 1 : 0));
}

const sum = (reports, get) => reports.reduce((total, r) => total + get(r), 0);
const largest = (reports, get) => Math.max(...reports.map(get));

// One report from the JSON reports of several `ssetool bench` processes: counts summed. A percentile of the
// combined latencies lies between the processes' own, so p50 and p99 are the largest of theirs (an upper bound;
// `latency_bound` says so), max the largest, mean weighted by count; each process's own is kept in `load_processes`.
export function mergeBenchReports(reports) {
  if (reports.length === 1) return reports[0];
  const lat = reports.map((r) => r.latency_ms);
  const count = sum(lat, (l) => l.count);
  const streams = {};
  for (const key of Object.keys(reports[0].streams)) streams[key] = sum(reports, (r) => r.streams[key]);
  return {
    streams,
    events: { total: sum(reports, (r) => r.events.total), window_s: largest(reports, (r) => r.events.window_s) },
    ids: { lost: sum(reports, (r) => r.ids.lost), reordered: sum(reports, (r) => r.ids.reordered) },
    latency_ms: { count, p50: largest(lat, (l) => l.p50), p99: largest(lat, (l) => l.p99),
      max: largest(lat, (l) => l.max), mean: count ? sum(lat, (l) => l.mean * l.count) / count : null },
    latency_bound: "upper: the largest of the load processes' percentiles",
    load_processes: reports.map((r) => ({ clients: r.clients, events: r.events.total, latency_ms: r.latency_ms })),
  };
}

const num = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(digits));
const ok = (met) => (met ? "**met**" : "**missed**");

// The targets for one scenario as ratios of --threads 2 to --threads 1 (stated for 10,000 x 10/s; applied
// to scale_max as well, to show how the ratio moves with the client count).
function targetsTable(one, two) {
  const p99 = two.latency_ms.p99 / one.latency_ms.p99;
  const p50 = two.latency_ms.p50 / one.latency_ms.p50;
  const cpu = two.us_per_delivery / one.us_per_delivery;
  const lost = one.lost + two.lost;
  return "| target | measured | |\n|---|--:|---|\n" +
    `| p99 with 2 loops <= 0.65 x 1 loop | ${num(p99)} | ${ok(p99 <= 0.65)} |\n` +
    `| (p50 with 2 loops / 1 loop) | ${num(p50)} | |\n` +
    `| CPU per delivery with 2 loops <= 1.15 x 1 loop | ${num(cpu)} | ${ok(cpu <= 1.15)} |\n` +
    `| 0 lost | ${lost} | ${ok(lost === 0)} |\n\n`;
}

// The report's section: each scale scenario's fan-out table (report.mjs's `fanOutTable`) and its targets.
export function scaleSection(results, fanOutTable) {
  const find = (scenario, server) => results.find((r) => r.scenario === scenario && r.server === server && !r.error);
  let md = "";
  for (const scenario of ["scale_10000x10", "scale_max"]) {
    const table = fanOutTable(results, scenario);
    if (!table) continue;
    md += table;
    const one = find(scenario, "ssetool_t1");
    const two = find(scenario, "ssetool_t2");
    if (scenario === "scale_max" && (one || two)) {
      const r = one || two;
      md += `The most clients one server process holds here: the descriptor hard limit is ${r.descriptor_limit}, ` +
        `ssetool admits that less 64 by default; the load client is ${r.load_processes.length} \`ssetool bench\` ` +
        `processes of ${r.load_processes.map((p) => p.clients).join(" + ")} streams, and p50/p99 are the larger ` +
        "of theirs (an upper bound of the combined figure).\n\n";
    }
    if (one && two) md += targetsTable(one, two);
  }
  return md ? "## Stream loops: `--threads 1` and `--threads 2` (issue 15)\n\n" + md : "";
}
