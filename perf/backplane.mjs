// perf/backplane.mjs — the `backplane` scenario of scripts/bench (issue 16): `ssetool pipe --backplane` nodes on
// one redis-server, which this module starts on a free loopback port (no persistence) and stops.
//   - fan-out: one node with all the clients against three nodes sharing them (e.g. 1 x 900 and 3 x 300), the same
//     paced input read by the first node (`--stamp`: the stamp is taken when the line is read, before the append,
//     so the latency is publish -> Redis -> every node's XREAD -> client); the nodes' CPU per delivery (summed over
//     the nodes), the latency of each node's clients, lost and reordered events, and redis-server's CPU;
//   - throughput: three nodes with one client each, `count` lines as fast as the first node appends them; events
//     per second received on every node, against `redis-benchmark`'s XADD rate on the same Redis.
// The driver's helpers (process start and stop, /proc readings, the load client) come in `kit` (perf/driver.mjs).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function redisCli(port, ...args) {
  return execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args],
    { timeout: 5000, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
}

// redis-server on a free loopback port, nothing saved; resolves once it answers PING.
async function startRedis(kit) {
  const dir = mkdtempSync(join(tmpdir(), "ssetool-bench-redis-"));
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
    "--appendonly", "no"], { stdio: ["ignore", "ignore", "pipe"] });
  const stderr = kit.tail(child.stderr);
  const answers = () => {
    if (child.exitCode !== null) return true;
    try {
      return redisCli(port, "PING") === "PONG";
    } catch {
      return false;
    }
  };
  await kit.waitFor(answers, 10000, "redis-server to answer PING");
  if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr.text.trim()}`);
  return { child, port, dir, url: `redis://127.0.0.1:${port}` };
}

async function stopRedis(kit, redis) {
  redis.child.kill("SIGTERM");
  await kit.exitWithin(redis.child, 10000);
  rmSync(redis.dir, { recursive: true, force: true });
}

// `n` pipe nodes on one channel: the first reads stdin and closes at its end (an end record: every node ends its
// streams and exits), the others only serve.
async function startNodes(kit, redis, n, channel, extra = []) {
  const nodes = [];
  try {
    for (let i = 0; i < n; ++i) {
      const argv = (portFile) => [kit.ssetool, "pipe", "--stamp", "--listen", "127.0.0.1:0", "--port-file", portFile,
        "-q", "--backplane", redis.url, "--channel", channel, ...(i === 0 ? ["--on-eof", "close"] : ["--input", "none"]),
        ...extra];
      nodes.push(await kit.startServer(`node ${i + 1} of ${n}`, [], { fixedArgv: argv }));
    }
  } catch (e) {
    for (const node of nodes) node.child.kill("SIGKILL");
    throw e;
  }
  return nodes;
}

// Ends the first node's input and waits for every node to exit (they read its end record).
async function stopNodes(kit, nodes) {
  await kit.stopServer(nodes[0]);
  for (const node of nodes.slice(1)) {
    if ((await kit.exitWithin(node.child, 15000)) === "timeout") kit.log(`${node.kind} did not exit at the end record`);
    rmSync(node.dir, { recursive: true, force: true });
  }
}

function killAll(nodes, benches) {
  for (const b of benches) b.child.kill("SIGKILL");
  for (const n of nodes) n.child.kill("SIGKILL");
}

// One run of the fan-out: `nodes` nodes, `clients / nodes` clients on each, `rate` lines/s for `seconds`.
async function fanOut(kit, redis, { nodes: n, clients, rate, seconds }) {
  const channel = `bench:fanout:${n}:${Date.now()}`;
  const nodes = await startNodes(kit, redis, n, channel);
  const benches = nodes.map((node) => kit.startBench(node.port, clients / n));
  try {
    let open = 0;
    for (const b of benches) open += await b.ready();
    const cpu0 = nodes.map((node) => kit.cpuSeconds(node.pid));
    const redisCpu0 = kit.cpuSeconds(redis.child.pid);
    await kit.feed(nodes[0], ["--rate", String(rate), "--seconds", String(seconds), "--size", String(kit.lineSize)]);
    const cpu1 = [];
    for (const node of nodes) cpu1.push(await kit.settledCpu(node.pid));
    const redisCpu = kit.cpuSeconds(redis.child.pid) - redisCpu0;
    const rss = nodes.map((node) => kit.memory(node.pid).rss_kb);
    await stopNodes(kit, nodes);
    const reports = [];
    for (const b of benches) reports.push(await b.report());
    const published = Math.round(rate * seconds);
    const received = reports.reduce((sum, b) => sum + b.events.total, 0);
    const cpu = cpu1.reduce((sum, c, i) => sum + c - cpu0[i], 0);
    return {
      scenario: "backplane_fanout", server: `ssetool_${n}_node${n > 1 ? "s" : ""}`, nodes: n, clients, rate, seconds,
      streams_open: open, published, expected: clients * published, received,
      lost: reports.reduce((sum, b) => sum + b.ids.lost, 0),
      reordered: reports.reduce((sum, b) => sum + b.ids.reordered, 0),
      cpu_s: cpu, us_per_delivery: received ? (cpu * 1e6) / received : null,
      redis_cpu_s: redisCpu, redis_us_per_event: published ? (redisCpu * 1e6) / published : null,
      // each node's clients' latency (the load client reports percentiles, which do not add up across nodes)
      latency_by_node_ms: reports.map((b) => b.latency_ms),
      latency_ms: worst(reports.map((b) => b.latency_ms)),
      rss_kb: rss,
    };
  } catch (e) {
    killAll(nodes, benches);
    throw e;
  }
}

// The highest p50, p99 and max over the nodes' clients: the slowest node's figures.
function worst(latencies) {
  const pick = (q) => Math.max(...latencies.map((l) => l[q] ?? 0));
  return { p50: pick("p50"), p99: pick("p99"), max: pick("max"),
    count: latencies.reduce((sum, l) => sum + (l.count ?? 0), 0) };
}

// Three nodes, one client each, `count` lines written as fast as the first node takes them.
async function throughput(kit, redis, { nodes: n, count }) {
  const channel = `bench:throughput:${Date.now()}`;
  // a client is never dropped as slow here: what is measured is the stream, not a client's buffer
  const nodes = await startNodes(kit, redis, n, channel, ["--client-buffer", "1GiB"]);
  const benches = nodes.map((node) => kit.startBench(node.port, 1));
  try {
    for (const b of benches) await b.ready();
    const cpu0 = nodes.map((node) => kit.cpuSeconds(node.pid));
    const redisCpu0 = kit.cpuSeconds(redis.child.pid);
    await kit.feed(nodes[0], ["--rate", "0", "--count", String(count), "--size", String(kit.lineSize)]);
    let cpu = 0;
    for (const [i, node] of nodes.entries()) cpu += (await kit.settledCpu(node.pid)) - cpu0[i];
    const redisCpu = kit.cpuSeconds(redis.child.pid) - redisCpu0;
    await stopNodes(kit, nodes);
    const reports = [];
    for (const b of benches) reports.push(await b.report(120000));
    return {
      scenario: "backplane_throughput", server: `ssetool_${n}_nodes`, nodes: n, count,
      received_by_node: reports.map((b) => b.events.total), lost: reports.reduce((sum, b) => sum + b.ids.lost, 0),
      reordered: reports.reduce((sum, b) => sum + b.ids.reordered, 0),
      // entry ids are not numbers: the load client cannot see a gap in them, what is missing is counted here
      missing_by_node: reports.map((b) => count - b.events.total),
      // the input's node (its own reads keep its appends in check) from its first event to its last
      window_s: reports[0].events.window_s, events_per_s: reports[0].events.total / reports[0].events.window_s,
      cpu_s: cpu, us_per_event: (cpu * 1e6) / count, redis_cpu_s: redisCpu,
      latency_ms: worst(reports.map((b) => b.latency_ms)),
    };
  } catch (e) {
    killAll(nodes, benches);
    throw e;
  }
}

// redis-benchmark's XADD rate on the same server: one XADD per round trip (50 connections, its default), and
// pipelined (-P) as ssetool's appends are (one MULTI/EXEC per batch read).
function redisBenchmark(redis, requests, pipeline) {
  const args = ["-h", "127.0.0.1", "-p", String(redis.port), "-n", String(requests), "-q", "-P", String(pipeline),
    "XADD", `bench:redis-benchmark:${pipeline}`, "MAXLEN", "~", "2000", "*", "data", "x".repeat(63)];
  const out = execFileSync("redis-benchmark", args, { timeout: 120000 }).toString();
  // "XADD ...: 95057.03 requests per second, p50=0.271 msec" (the last \r-separated progress line)
  const m = out.match(/([\d.]+) requests per second/g);
  if (!m) throw new Error(`redis-benchmark said: ${out.trim().slice(-200)}`);
  return Number(m[m.length - 1].split(" ")[0]);
}

export async function backplaneScenario(kit, results, load) {
  let redis;
  try {
    redis = await startRedis(kit);
  } catch (e) {
    kit.log(`backplane: skipped: ${e.message}`);
    results.push({ scenario: "backplane_fanout", server: "ssetool_1_node", skipped: e.message });
    return;
  }
  try {
    for (const n of load.fanout.nodes)
      await kit.attempt(results, `backplane_fanout ${n} node(s) x ${load.fanout.clients / n} clients`, () =>
        fanOut(kit, redis, { ...load.fanout, nodes: n }));
    await kit.attempt(results, `backplane_throughput ${load.throughput.nodes} nodes`, () =>
      throughput(kit, redis, load.throughput));
    await kit.attempt(results, "backplane_redis_benchmark", () => ({
      scenario: "backplane_redis_benchmark", server: "redis-benchmark", requests: load.redisBenchmark,
      xadd_per_s: redisBenchmark(redis, load.redisBenchmark, 1),
      xadd_per_s_pipelined: redisBenchmark(redis, load.redisBenchmark, 16), pipeline: 16,
      version: redisCli(redis.port, "INFO", "server").match(/redis_version:(\S+)/)?.[1],
    }));
  } finally {
    await stopRedis(kit, redis);
  }
}
