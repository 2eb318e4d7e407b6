// perf/driver.mjs — the scenario driver of scripts/bench (issue 8). It starts each server under test with its
// stdin fed by the paced generator, loads it with `ssetool bench`, reads the server's CPU time and memory from
// /proc, and writes report.json and report.md (see report.mjs). Every figure is put next to a baseline measured
// in the same run: the raw-write program (perf/raw_write.cpp), `cat`, and two Node peers.
//
//   node bench/driver.mjs --ssetool build/ssetool --out build/bench [--quick]
//
// Servers: raw (perf/raw_write), ssetool (`ssetool pipe --stamp`), node_http and better_sse (perf/peers); over TLS
// (perf/tls.mjs) ssetool and node_https.
// Every server turns each stdin line into one event "id: N / data: @<epoch us> LINE" for every client of /events.
// The `mcp` scenario (issue 14) is perf/mcp.mjs: `ssetool serve --mcp` and supergateway as stdio MCP bridges.
// The `backplane` scenario (issue 16) is perf/backplane.mjs: pipe nodes on one redis-server.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, openSync, closeSync } from "node:fs";
import { request } from "node:http";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { backplaneScenario } from "./backplane.mjs";
import { mcpBridge } from "./mcp.mjs";
import { mergeBenchReports, scaleMaxLoad, splitClients } from "./scale.mjs";
import { tlsCertificate, tlsVia } from "./tls.mjs";
import { writeReport } from "./report.mjs";
import { disconnectDetection, slowConnections } from "./responsiveness.mjs";

const LINE_SIZE = 64; // bytes per input line with its newline: frames of about 100 bytes on the wire

// ---------------------------------------------------------------------------------------------------- options
function parseOptions(argv) {
  const o = { ssetool: "build/ssetool", out: "build/bench", quick: false, only: null };
  for (let i = 2; i < argv.length; ++i) {
    if (argv[i] === "--quick") o.quick = true;
    else if (argv[i] === "--ssetool") o.ssetool = argv[++i];
    else if (argv[i] === "--out") o.out = argv[++i];
    else if (argv[i] === "--only") o.only = argv[++i].split(",");
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}
const opts = parseOptions(process.argv);
const tool = (name) => join(opts.out, name);
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

const SERVERS = {
  raw: (portFile) => [tool("raw_write"), "--port-file", portFile],
  ssetool: (portFile, extra = []) => [opts.ssetool, "pipe", "--stamp", "--listen", "127.0.0.1:0", "--port-file",
    portFile, "-q", ...extra],
  // --threads (issue 15): one stream loop, and two; plain `ssetool` takes the default (the CPUs it may use).
  ssetool_t1: (portFile, extra = []) => SERVERS.ssetool(portFile, ["--threads", "1", ...extra]),
  ssetool_t2: (portFile, extra = []) => SERVERS.ssetool(portFile, ["--threads", "2", ...extra]),
  node_http: (portFile) => ["node", tool("peers/node_http.mjs"), "--port-file", portFile],
  better_sse: (portFile) => ["node", tool("peers/better_sse.mjs"), "--port-file", portFile],
  // nginx + nchan, one worker (issue 15): the feeder publishes each line; the worker is measured (PORTFILE.pid).
  nchan: (portFile) => ["node", tool("peers/nchan.mjs"), "--port-file", portFile],
};

// ---------------------------------------------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => console.error("bench:", ...args);

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = predicate();
    if (value) return value;
    await sleep(5); // polling a file or /proc: there is nothing to wait on
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// CPU time (user + system) of a process, in seconds, from /proc/PID/stat.
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime and stime: fields 14 and 15
}

// A process and its descendants (nchan: the feeder, nginx's master and its worker), from /proc/PID/task/*/children.
function processTree(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; ++i) {
    try {
      for (const task of readdirSync(`/proc/${pids[i]}/task`))
        pids.push(...readFileSync(`/proc/${pids[i]}/task/${task}/children`, "utf8").trim().split(/\s+/)
          .filter(Boolean).map(Number));
    } catch {} // gone meanwhile
  }
  return pids;
}

// CPU seconds of several processes, summed (0 for one that has exited).
function cpuSecondsOf(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuSeconds(pid);
    } catch {}
  }
  return total;
}

// Resident memory (KiB) and thread count from /proc/PID/status.
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number((status.match(new RegExp(`^${name}:\\s+(\\d+)`, "m")) || [])[1] || 0);
  return { rss_kb: field("VmRSS"), threads: field("Threads") };
}

// Waits until the process has used no more than one clock tick in 300 ms (it has delivered everything), at most
// `capMs`; returns its CPU seconds then.
async function settledCpu(pid, capMs = 20000) {
  const deadline = Date.now() + capMs;
  let last = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await sleep(300);
    const now = cpuSeconds(pid);
    if (now - last <= 1 / CLK_TCK) return now;
    last = now;
  }
  return last;
}

// Resolves with the exit code, or with the name of the signal that ended the process.
function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode);
    else child.once("exit", (code, signal) => resolve(code ?? signal));
  });
}

async function exitWithin(child, ms) {
  const timer = sleep(ms).then(() => "timeout");
  const result = await Promise.race([exited(child), timer]);
  if (result === "timeout") {
    child.kill("SIGKILL");
    await exited(child);
  }
  return result;
}

function httpGet(port, path) {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("error", () => resolve(""));
    req.end();
  });
}

// Keeps the last `limit` characters a stream produced (for error messages).
function tail(stream, limit = 4000) {
  const box = { text: "" };
  stream.on("data", (c) => (box.text = (box.text + c).slice(-limit)));
  return box;
}

// ---------------------------------------------------------------------------------------------------- processes
async function startServer(kind, extra = [], { fixedArgv = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ssetool-bench-"));
  const portFile = join(dir, "port");
  const argv = fixedArgv ? fixedArgv(portFile) : SERVERS[kind](portFile, extra);
  const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "ignore", "pipe"] });
  child.stdin.on("error", () => {}); // a server that exits early closes its end: reported by the wait below
  const stderr = tail(child.stderr);
  try {
    await waitFor(() => existsSync(portFile) || child.exitCode !== null, 20000, `${kind} to listen`);
    if (!existsSync(portFile)) throw new Error(`exited with ${child.exitCode}: ${stderr.text.trim()}`);
  } catch (e) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${kind}: ${e.message}`);
  }
  const port = Number(readFileSync(portFile, "utf8"));
  // A peer whose serving process is not the one started (nchan: nginx's worker) names it in PORTFILE.pid.
  const pid = existsSync(`${portFile}.pid`) ? Number(readFileSync(`${portFile}.pid`, "utf8")) : child.pid;
  return { kind, child, pid, port, dir, stderr };
}

// Ends the server's input (every server then ends its streams and exits) and waits for it.
// One that does not is killed with its descendants (nchan's feeder leaves nginx running otherwise).
async function stopServer(server) {
  const tree = processTree(server.child.pid);
  server.child.stdin.end();
  if ((await exitWithin(server.child, 15000)) === "timeout") {
    log(`${server.kind} did not exit at end of input`);
    for (const pid of tree.slice(1)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {} // gone already
    }
  }
  rmSync(server.dir, { recursive: true, force: true });
}

function startBench(port, clients, extra = [], scheme = "http") {
  const dir = mkdtempSync(join(tmpdir(), "ssetool-bench-client-"));
  const readyFile = join(dir, "ready");
  const args = ["bench", `${scheme}://127.0.0.1:${port}/events`, "--clients", String(clients), "--duration", "300s",
    "--json", "--ready-file", readyFile, ...extra];
  const child = spawn(opts.ssetool, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (c) => (stdout += c));
  // "exit" may come before the last of stdout is read; "close" comes after it.
  const closed = new Promise((resolve) => child.once("close", resolve));
  const stderr = tail(child.stderr);
  const ready = async (timeoutMs = 120000) => {
    await waitFor(() => existsSync(readyFile) || child.exitCode !== null, timeoutMs, "the clients to connect");
    if (!existsSync(readyFile)) throw new Error(`bench exited: ${stderr.text.trim()}`);
    return Number(readFileSync(readyFile, "utf8"));
  };
  // The report once bench has exited (its streams ended); SIGINT makes it stop and report at once.
  const report = async (timeoutMs = 60000) => {
    let how = await Promise.race([exited(child), sleep(timeoutMs).then(() => null)]);
    if (how === null) {
      child.kill("SIGINT");
      how = `SIGINT after ${timeoutMs} ms, then ${await exitWithin(child, 10000)}`;
    }
    await Promise.race([closed, sleep(5000)]);
    rmSync(dir, { recursive: true, force: true });
    try {
      return JSON.parse(stdout);
    } catch {
      throw new Error(`bench gave no report (exit: ${how}; ${stdout.length} bytes on stdout): ${stderr.text.trim()}`);
    }
  };
  return { child, pids: [child.pid], ready, report, kill: () => child.kill("SIGKILL") };
}

// The load client split over `processes` `ssetool bench` processes (scale_max: more streams than one holds well);
// the same interface as startBench, its report merged (perf/scale.mjs).
function startLoad(port, clients, processes = 1, extra = [], scheme = "http") {
  if (processes === 1) return startBench(port, clients, extra, scheme);
  const benches = splitClients(clients, processes).map((n) => startBench(port, n, extra, scheme));
  return {
    ready: async (timeoutMs) => (await Promise.all(benches.map((b) => b.ready(timeoutMs)))).reduce((a, b) => a + b, 0),
    report: async (timeoutMs) => mergeBenchReports(await Promise.all(benches.map((b) => b.report(timeoutMs)))),
    pids: benches.map((b) => b.child.pid),
    kill: () => benches.forEach((b) => b.kill()),
  };
}

// Runs the paced generator into the server's stdin; resolves when it has written everything.
function feed(server, paceArgs) {
  const pace = spawn(tool("pace"), paceArgs, { stdio: ["ignore", server.child.stdin, "inherit"] });
  return exited(pace);
}

// Samples the server's resident memory every 250 ms; stop() returns the largest value seen.
function rssSampler(pid) {
  let max = 0;
  const sample = () => {
    try {
      max = Math.max(max, memory(pid).rss_kb);
    } catch {}
  };
  sample();
  const timer = setInterval(sample, 250);
  return () => {
    clearInterval(timer);
    sample();
    return max;
  };
}

// ---------------------------------------------------------------------------------------------------- scenarios
// Paced fan-out: `clients` streams (of which `stalled` never read), `rate` events per second for `seconds`.
// `via` (TLS, perf/tls.mjs): the server's command line, the URL scheme and the load client's extra flags.
// `loadProcesses`: `ssetool bench` processes sharing the clients (scale_max).
async function fanOut(scenario, kind, { clients, rate, seconds, stalled = 0, loadProcesses = 1, ...more }, via = null) {
  const server = await startServer(kind, [], { fixedArgv: via?.argv });
  const bench = startLoad(server.port, clients, loadProcesses,
    [...(stalled ? ["--stalled", String(stalled)] : []), ...(via?.benchArgs ?? [])], via?.scheme);
  try {
    const open = await bench.ready();
    // Besides the server (nchan: its worker), the CPU of its whole process tree and of the load client, over the
    // same window: who pays for a delivery (issue 15's nchan ratio).
    const tree = processTree(server.child.pid);
    const [cpu0, tree0, load0] = [cpuSeconds(server.pid), cpuSecondsOf(tree), cpuSecondsOf(bench.pids)];
    const stopSampling = rssSampler(server.pid);
    await feed(server, ["--rate", String(rate), "--seconds", String(seconds), "--size", String(LINE_SIZE)]);
    const cpu1 = await settledCpu(server.pid);
    const [tree1, load1] = [cpuSecondsOf(tree), cpuSecondsOf(bench.pids)];
    const maxRss = stopSampling();
    const mem = memory(server.pid);
    const metrics = kind.startsWith("ssetool") && !via ? await httpGet(server.port, "/metrics") : "";
    await stopServer(server);
    const b = await bench.report();
    const published = Math.round(rate * seconds);
    const received = b.events.total;
    return {
      scenario, server: kind, clients, rate, seconds, stalled, streams_open: open, published,
      expected: (clients - stalled) * published, received, lost: b.ids.lost, reordered: b.ids.reordered,
      streams: b.streams, cpu_s: cpu1 - cpu0, us_per_delivery: received ? ((cpu1 - cpu0) * 1e6) / received : null,
      tree_processes: tree.length, tree_us_per_delivery: received ? ((tree1 - tree0) * 1e6) / received : null,
      load_us_per_delivery: received ? ((load1 - load0) * 1e6) / received : null,
      latency_ms: b.latency_ms, rss_kb: mem.rss_kb, max_rss_kb: maxRss, threads: mem.threads,
      dropped_slow: metricValue(metrics, "clients_dropped_slow_total"),
      ...(b.load_processes ? { load_processes: b.load_processes, latency_bound: b.latency_bound } : {}), ...more,
    };
  } catch (e) {
    bench.kill();
    server.child.kill("SIGKILL");
    throw e;
  }
}

function metricValue(text, name) {
  const m = text.match(new RegExp(`^ssetool_${name} (\\d+)`, "m"));
  return m ? Number(m[1]) : null;
}

// Idle hold: `clients` streams and no events; server memory and threads with and without them.
async function idleHold(kind, clients) {
  const server = await startServer(kind);
  await sleep(300);
  const before = memory(server.pid);
  const bench = startBench(server.port, clients);
  try {
    const open = await bench.ready();
    await sleep(1000);
    const after = memory(server.pid);
    await stopServer(server);
    const b = await bench.report();
    return {
      scenario: "idle", server: kind, clients, streams_open: open, streams: b.streams, rss_before_kb: before.rss_kb,
      rss_kb: after.rss_kb, rss_per_client_kb: (after.rss_kb - before.rss_kb) / clients, threads: after.threads,
    };
  } catch (e) {
    bench.child.kill("SIGKILL");
    server.child.kill("SIGKILL");
    throw e;
  }
}

// One fast stream: `lines` lines from stdin to one client as fast as they go, against `cat` into a pipe.
async function fastStream(lines) {
  const file = join(opts.out, "lines.txt");
  const fd = openSync(file, "w");
  await exited(spawn(tool("pace"), ["--rate", "0", "--count", String(lines), "--size", String(LINE_SIZE)],
    { stdio: ["ignore", fd, "inherit"] }));
  closeSync(fd);
  let catBest = Infinity;
  for (let i = 0; i < 3; ++i) {
    const t0 = process.hrtime.bigint();
    execFileSync("sh", ["-c", `cat '${file}' | cat > /dev/null`]);
    catBest = Math.min(catBest, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const server = await startServer("ssetool", [], {
    fixedArgv: (portFile) => [opts.ssetool, "pipe", "--listen", "127.0.0.1:0", "--port-file", portFile, "-q",
      "--client-buffer", "1GiB"],
  });
  const bench = startBench(server.port, 1);
  await bench.ready();
  const t0 = process.hrtime.bigint();
  await exited(spawn("cat", [file], { stdio: ["ignore", server.child.stdin, "inherit"] }));
  await stopServer(server);
  const b = await bench.report(120000);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(file, { force: true });
  return {
    scenario: "fast_stream", server: "ssetool", lines, received: b.events.total, lost: b.ids.lost,
    reordered: b.ids.reordered, streams: b.streams, window_s: b.events.window_s,
    lines_per_s: b.events.total / Math.max(wall, 1e-9), lines_per_s_window: b.events.per_second, wall_s: wall,
    cat_s: catBest, cat_lines_per_s: lines / catBest,
  };
}

// Writes a tape of `events` events `gapMs` apart; returns its path.
function writeTape(events, gapMs) {
  const lines = ['{"tape":1,"status":200,"headers":[["Content-Type","text/event-stream"]]}'];
  for (let i = 1; i <= events; ++i) lines.push(JSON.stringify({ t: i * gapMs, id: String(i), data: `tick ${i}` }));
  const path = join(opts.out, "timing.tape");
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

const replayArgv = (tape) => (portFile) => [opts.ssetool, "replay", tape, "--listen", "127.0.0.1:0", "--port-file",
  portFile, "-q"];

// A typical mock: a recorded OpenAI chat completion stream (12 events).
const MOCK_RECORDING = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "tests", "data",
  "replay", "openai-chat.sse");

// Time to ready: exec to port file, for pipe, replay (a typical mock, and the 1,000-event tape) and the Node peers.
function timeToReady(runs, tape) {
  const commands = {
    ssetool_pipe: (p) => [opts.ssetool, "pipe", "--listen", "127.0.0.1:0", "--port-file", p, "-q"],
    ssetool_replay: replayArgv(MOCK_RECORDING),
    ssetool_replay_1000: replayArgv(tape),
    node_http: (p) => SERVERS.node_http(p),
    better_sse: (p) => SERVERS.better_sse(p),
  };
  const results = [];
  for (const [name, argv] of Object.entries(commands)) {
    const dir = mkdtempSync(join(tmpdir(), "ssetool-ready-"));
    const portFile = join(dir, "port");
    let r;
    try {
      r = JSON.parse(execFileSync(tool("ready_time"), [String(runs), portFile, "--", ...argv(portFile)]).toString());
    } catch (e) {
      const out = e.stdout ? e.stdout.toString() : "";
      r = out ? JSON.parse(out) : { error: e.message };
    }
    rmSync(dir, { recursive: true, force: true });
    results.push({ scenario: "time_to_ready", server: name, ...r, skipped: r.ok ? undefined : r.error });
  }
  return results;
}

// Replay timing: one client of `ssetool replay` on a tape of events `gapMs` apart; gap error = |received - recorded|.
async function replayTiming(tape, events, gapMs) {
  let server;
  try {
    server = await startServer("ssetool_replay", [], { fixedArgv: replayArgv(tape) });
  } catch (e) {
    return { scenario: "replay_timing", server: "ssetool_replay", skipped: e.message.split("\n")[0] };
  }
  const bench = startBench(server.port, 1, ["--expect-gap", `${gapMs}ms`]);
  const b = await bench.report(events * gapMs + 30000);
  server.child.kill("SIGTERM");
  await exitWithin(server.child, 5000);
  rmSync(server.dir, { recursive: true, force: true });
  return {
    scenario: "replay_timing", server: "ssetool_replay", events, gap_ms: gapMs, received: b.events.total,
    lost: b.ids.lost, streams: b.streams, gap_error_ms: b.gap_error_ms,
  };
}

// Responsiveness (issue 3): a closed client noticed with heartbeats off; 256 slow connections against /healthz and
// a new stream.
async function responsiveness(samples) {
  const server = await startServer("ssetool", ["--heartbeat", "0", "--on-eof", "stay"]);
  try {
    const disconnect = await disconnectDetection(server.port, samples);
    const slow = await slowConnections(server.port, 256, samples);
    return { scenario: "responsiveness", server: "ssetool", disconnect_ms: disconnect, ...slow };
  } finally {
    server.child.kill("SIGTERM");
    await exitWithin(server.child, 5000);
    rmSync(server.dir, { recursive: true, force: true });
  }
}

// MCP bridges (issue 14): ssetool serve --mcp and supergateway over the same stdio server (perf/mcp.mjs). When
// supergateway is not installed, says why (the npm log scripts/bench kept) and measures ssetool alone.
async function mcp(results, load) {
  const out = resolve(opts.out);
  const sgPackage = join(out, "node_modules", "supergateway", "package.json");
  const tools = { ssetool: resolve(opts.ssetool), echoServer: join(out, "mcp_echo_server"),
    mcpClient: join(out, "mcp_client"),
    loopbackPreload: join(out, "peers", "loopback_listen.mjs") };
  let sgMissing = null;
  if (existsSync(sgPackage)) {
    const pkg = JSON.parse(readFileSync(sgPackage, "utf8"));
    tools.supergateway = join(out, "node_modules", "supergateway", pkg.bin?.supergateway ?? pkg.bin);
    tools.supergatewayVersion = pkg.version;
  } else {
    const npmLog = join(out, "npm-install.log");
    const said = existsSync(npmLog) ? readFileSync(npmLog, "utf8").trim().split("\n").slice(-3).join(" / ") : "";
    sgMissing = "supergateway is not installed in build/bench/node_modules" +
      (said ? `: npm install said: ${said}` : "");
  }
  await attempt(results, "mcp ssetool", () => mcpBridge("ssetool", tools, load, CLK_TCK));
  if (sgMissing) {
    log(`mcp supergateway: skipped: ${sgMissing}`);
    results.push({ scenario: "mcp", server: "supergateway", skipped: sgMissing });
  } else {
    await attempt(results, `mcp supergateway ${tools.supergatewayVersion}`, async () =>
      ({ ...(await mcpBridge("supergateway", tools, load, CLK_TCK)), version: tools.supergatewayVersion }));
  }
}

// ---------------------------------------------------------------------------------------------------- plan
function plan(quick) {
  const s = quick ? 3 : 10;
  const all = ["raw", "ssetool", "nchan", "node_http", "better_sse"];
  const fan = [
    // ssetool_t1 beside the default (--threads = the CPUs): what the extra loops cost or save per delivery.
    { name: "fanout_1000x100", servers: [...all, "ssetool_t1"], load: { clients: 1000, rate: 100, seconds: s } },
    { name: "fanout_100x1000", servers: quick ? ["raw", "ssetool"] : all,
      load: { clients: 100, rate: 1000, seconds: s } },
    { name: "fanout_1x100", servers: ["raw", "ssetool"], load: { clients: 1, rate: 100, seconds: quick ? 2 : 5 } },
  ];
  if (!quick) fan.push({ name: "fanout_10000x10", servers: all, load: { clients: 10000, rate: 10, seconds: s } });
  // Issue 15: the same load on one stream loop and on two, in the same run.
  fan.push({ name: "scale_10000x10", servers: ["ssetool_t1", "ssetool_t2"],
    load: { clients: 10000, rate: 10, seconds: s } });
  // Issue 15: the most clients one server process holds here (perf/scale.mjs), on one stream loop and on two.
  fan.push({ name: "scale_max", servers: ["ssetool_t1", "ssetool_t2"], load: scaleMaxLoad(s) });
  // TLS (perf/tls.mjs): the 1,000 x 100/s load over HTTPS, against Node `https`.
  fan.push({ name: "tls_1000x100", servers: ["ssetool", "node_https"], load: { clients: 1000, rate: 100, seconds: s },
    tls: true });
  return {
    fan,
    slow: { servers: quick ? ["ssetool"] : ["ssetool", "node_http"],
      load: { clients: 1000, rate: 100, seconds: s, stalled: 10 } },
    idle: { servers: ["ssetool", "nchan", "node_http", "better_sse"], sizes: quick ? [1000] : [1000, 10000] },
    // The most streams one load-client process holds here: the descriptor hard limit is 20,000 per process.
    idleMax: { servers: ["ssetool"], clients: 19000 },
    fastLines: quick ? 300000 : 2000000,
    readyRuns: quick ? 5 : 20,
    replay: { events: quick ? 200 : 1000, gapMs: 5 },
    responsivenessSamples: quick ? 10 : 50,
    mcp: quick ? { calls: 2000, warmup: 500, sessions: 100, leftAfterMs: 5000 }
      : { calls: 5000, warmup: 1000, sessions: 100, leftAfterMs: 10000 }, // warm-up: Node's JIT, for supergateway
    // issue 16: the same clients on one node and on three; one stream's throughput read by three nodes
    backplane: { fanout: { nodes: [1, 3], clients: quick ? 300 : 900, rate: 100, seconds: s },
      throughput: { nodes: 3, count: quick ? 100000 : 500000 }, redisBenchmark: quick ? 100000 : 500000 },
  };
}

async function attempt(results, what, fn) {
  log(what);
  try {
    const r = await fn();
    for (const one of Array.isArray(r) ? r : [r]) results.push(one);
  } catch (e) {
    log(`  failed: ${e.message}`);
    results.push({ scenario: what, error: e.message });
  }
}

async function main() {
  const started = new Date();
  const p = plan(opts.quick);
  const wanted = (name) => !opts.only || opts.only.some((o) => name.startsWith(o));
  const results = [];
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, kernel: release(), loadavg_start: loadavg() };
  for (const f of p.fan) {
    if (!wanted(f.name)) continue;
    for (const kind of f.servers)
      await attempt(results, `${f.name} ${kind}`, () => fanOut(f.name, kind, f.load,
        f.tls ? tlsVia(kind, tlsCertificate(opts.out), { ssetool: opts.ssetool, tool }) : null));
  }
  if (wanted("slow"))
    for (const kind of p.slow.servers)
      await attempt(results, `slow_consumers ${kind}`, () => fanOut("slow_consumers", kind, p.slow.load));
  if (wanted("idle"))
    for (const n of p.idle.sizes)
      for (const kind of p.idle.servers) await attempt(results, `idle ${n} ${kind}`, () => idleHold(kind, n));
  if (wanted("idle_max"))
    for (const kind of p.idleMax.servers)
      await attempt(results, `idle_max ${p.idleMax.clients} ${kind}`, () => idleHold(kind, p.idleMax.clients));
  if (wanted("fast")) await attempt(results, "fast_stream", () => fastStream(p.fastLines));
  const tape = writeTape(p.replay.events, p.replay.gapMs);
  if (wanted("ready")) await attempt(results, "time_to_ready", () => timeToReady(p.readyRuns, tape));
  if (wanted("replay"))
    await attempt(results, "replay_timing", () => replayTiming(tape, p.replay.events, p.replay.gapMs));
  rmSync(tape, { force: true });
  if (wanted("responsiveness"))
    await attempt(results, "responsiveness", () => responsiveness(p.responsivenessSamples));
  if (wanted("mcp")) await mcp(results, p.mcp);
  if (wanted("backplane"))
    await backplaneScenario({ ssetool: opts.ssetool, lineSize: LINE_SIZE, log, tail, waitFor, exitWithin, startServer,
      stopServer, startBench, cpuSeconds, settledCpu, memory, feed, attempt }, results, p.backplane);
  machine.loadavg_end = loadavg();
  const report = { started: started.toISOString(), duration_s: (Date.now() - started) / 1000, quick: opts.quick,
    machine, line_size: LINE_SIZE, results };
  writeReport(report, opts.out);
  log(`wrote ${join(opts.out, "report.md")} and report.json in ${report.duration_s.toFixed(0)} s`);
}

main().catch((e) => {
  console.error(`bench: ${e.stack || e}`);
  process.exit(1);
});
