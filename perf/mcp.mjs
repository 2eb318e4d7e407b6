// perf/mcp.mjs — the `mcp` scenario of scripts/bench (issue 14): a stdio MCP server (perf/mcp_echo_server.cpp)
// behind two Streamable HTTP bridges in their stateful mode, `ssetool serve --mcp` and supergateway
// (`--outputTransport streamableHttp --stateful`), driven by the same lean raw-HTTP client written here. Measures
//   - the bridge's own resident memory (VmRSS of its process, children excluded) with 0 and with 100 open sessions
//     (each: initialize, notifications/initialized, a GET stream held open as the SDK client does, one tools/call);
//   - the processes left a fixed time after those 100 sessions end with DELETE: the bridge's descendants (from
//     the parent links in /proc) and, wherever they were reparented, processes still running the echo server;
//   - then the tool-call round trip (POST tools/call until its response has arrived), p50/p99, one session, in
//     sequence, on kept-alive connections and again with a new connection per request, timed by a C++ client
//     (perf/mcp_client.cpp); and once more by the Node client here, as a Node client (the SDKs') sees it.
// Everything on 127.0.0.1; every process this starts is stopped before the scenario returns.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summary } from "./responsiveness.mjs";

const PROTOCOL = "2025-11-25";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6; // milliseconds

// ---------------------------------------------------------------------------------------------------- /proc
function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number((status.match(/^VmRSS:\s+(\d+)/m) || [])[1] || 0);
}

function cpuTicks(pid) {
  const f = procStat(pid);
  return Number(f[11]) + Number(f[12]); // utime + stime
}

function allPids() {
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
}

// Every living descendant of `root` (zombies included: they are not reaped yet), from the parent links in /proc.
export function descendants(root) {
  const children = new Map();
  for (const pid of allPids()) {
    try {
      const ppid = Number(procStat(pid)[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(pid);
    } catch {} // gone meanwhile
  }
  const found = [];
  const todo = [...(children.get(root) || [])];
  while (todo.length) {
    const pid = todo.pop();
    found.push(pid);
    todo.push(...(children.get(pid) || []));
  }
  return found;
}

// Every process, anywhere, whose executable is `path` (reparented survivors are no one's descendants).
export function processesRunning(path) {
  const found = [];
  for (const pid of allPids()) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === path) found.push(pid);
    } catch {} // another user's process, or gone
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------- client
// The messages of a response body, as they complete: an SSE stream's `data:` events or one JSON body.
function messageParser(contentType, onMessage) {
  let pending = "";
  const sse = /text\/event-stream/.test(contentType || "");
  return {
    push(chunk) {
      pending += chunk;
      if (!sse) return;
      for (let end = pending.search(/\r?\n\r?\n/); end >= 0; end = pending.search(/\r?\n\r?\n/)) {
        const event = pending.slice(0, end);
        pending = pending.slice(end).replace(/^\r?\n\r?\n/, "");
        const data = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart());
        if (data.length && data.join("") !== "") onMessage(JSON.parse(data.join("\n")));
      }
    },
    end() {
      if (!sse && pending.trim()) onMessage(JSON.parse(pending));
    },
  };
}

// One MCP client session over its own keep-alive connection, speaking raw HTTP as the spec describes.
class Session {
  constructor(port, keepAlive = true) {
    this.port = port;
    this.agent = new Agent({ keepAlive, maxSockets: 2 }); // the POSTs, and the GET stream
    this.id = null;
    this.nextId = 1;
    this.getStream = null;
  }

  headers(extra = {}) {
    const h = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...extra };
    if (this.id) Object.assign(h, { "Mcp-Session-Id": this.id, "MCP-Protocol-Version": PROTOCOL });
    return h;
  }

  // Sends one HTTP request (`message`, when given, as the JSON body); resolves once the response body has ended,
  // with the status, headers, the message that answers `waitFor` (a JSON-RPC id) and the milliseconds until it
  // arrived. A request that fails on a reused keep-alive connection the server had closed is sent once more on a
  // new one (Node's documented pattern: a server may close an idle kept-alive connection at any time), and the
  // time then counts from the first attempt: that is what the client waited.
  send(method, message, waitFor = undefined, t0 = now(), retried = false) {
    return new Promise((resolve, reject) => {
      const body = message === undefined ? "" : JSON.stringify(message);
      const headers = method === "POST" ? { ...this.headers(), "Content-Length": Buffer.byteLength(body) }
        : { "Mcp-Session-Id": this.id, "MCP-Protocol-Version": PROTOCOL };
      let answer = null;
      let answerMs = null;
      const req = request({ host: "127.0.0.1", port: this.port, path: "/mcp", method, agent: this.agent, headers,
        timeout: 30000 }, (res) => {
        res.setEncoding("utf8");
        const parser = messageParser(res.headers["content-type"], (m) => {
          if (waitFor !== undefined && m.id === waitFor && (m.result || m.error) && !answer) {
            answer = m;
            answerMs = now() - t0;
          }
        });
        res.on("data", (c) => parser.push(c));
        res.on("end", () => {
          try {
            parser.end();
          } catch (e) {
            return reject(e);
          }
          resolve({ status: res.statusCode, headers: res.headers, answer, ms: answerMs });
        });
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`no answer to ${method} ${message?.method ?? ""} within 30 s`)));
      req.on("error", (e) => {
        if (!req.reusedSocket || retried || !["ECONNRESET", "EPIPE"].includes(e.code)) return reject(e);
        this.send(method, message, waitFor, t0, true).then(resolve, reject);
      });
      req.end(body);
    });
  }

  post(message, waitFor = undefined) {
    return this.send("POST", message, waitFor);
  }

  async request(method, params) {
    const id = this.nextId++;
    const r = await this.post({ jsonrpc: "2.0", id, method, params }, id);
    if (r.status !== 200 || !r.answer) throw new Error(`${method}: HTTP ${r.status}, ${r.answer ? "" : "no "}answer`);
    if (r.answer.error) throw new Error(`${method}: ${JSON.stringify(r.answer.error)}`);
    return r;
  }

  async open() {
    const r = await this.request("initialize", { protocolVersion: PROTOCOL, capabilities: {},
      clientInfo: { name: "ssetool-bench", version: "1.0.0" } });
    this.id = r.headers["mcp-session-id"];
    if (!this.id) throw new Error("initialize: no Mcp-Session-Id in the answer");
    const n = await this.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    if (n.status !== 202) throw new Error(`notifications/initialized: HTTP ${n.status}`);
  }

  call(text) {
    return this.request("tools/call", { name: "echo", arguments: { text } });
  }

  // Opens the GET stream for the server's own messages, as the SDK client does after initializing; resolves once
  // its headers have arrived (sent once more on a new connection if a reused one had been closed, as in send()).
  openGetStream(retried = false) {
    return new Promise((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(() => req.destroy(new Error("GET stream: no response headers within 10 s")), 10000);
      const req = request({ host: "127.0.0.1", port: this.port, path: "/mcp", method: "GET", agent: this.agent,
        headers: { Accept: "text/event-stream", "Mcp-Session-Id": this.id, "MCP-Protocol-Version": PROTOCOL } },
      (res) => {
        answered = true;
        clearTimeout(timer);
        res.on("data", () => {});
        res.on("error", () => {}); // the stream ends when the session does
        if (res.statusCode === 200) resolve();
        else reject(new Error(`GET stream: HTTP ${res.statusCode}`));
      });
      req.on("error", (e) => {
        if (answered) return;
        clearTimeout(timer);
        if (!req.reusedSocket || retried || !["ECONNRESET", "EPIPE"].includes(e.code)) return reject(e);
        this.openGetStream(true).then(resolve, reject);
      });
      req.end();
      this.getStream = req;
    });
  }

  // Ends the session with DELETE (the spec's way, the SDK client's terminateSession), then drops the connections.
  async close() {
    let status;
    try {
      status = (await this.send("DELETE")).status;
    } catch (e) {
      status = e.code || e.message;
    }
    this.getStream?.destroy();
    this.agent.destroy();
    return status;
  }
}

// ---------------------------------------------------------------------------------------------------- bridges
// The command line of each bridge, listening on 127.0.0.1, port 0, its port written to `portFile`.
export function bridgeArgv(kind, { ssetool, echoServer, supergateway, loopbackPreload }, portFile, sessions) {
  if (kind === "ssetool")
    return [ssetool, "serve", "--mcp", "--listen", "127.0.0.1:0", "--port-file", portFile, "-q",
      "--max-sessions", String(sessions + 10), "--", echoServer];
  return ["node", "--import", loopbackPreload, supergateway, "--stdio", echoServer, "--outputTransport",
    "streamableHttp", "--stateful", "--logLevel", "none", "--port", "0"];
}

async function startBridge(kind, tools, sessions) {
  const dir = mkdtempSync(join(tmpdir(), "ssetool-bench-mcp-"));
  const portFile = join(dir, "port");
  const argv = bridgeArgv(kind, tools, portFile, sessions);
  // stdin stays an open pipe: supergateway exits when its stdin closes.
  const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "ignore", "pipe"],
    env: { ...process.env, SSETOOL_BENCH_PORT_FILE: portFile } });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c).slice(-4000)));
  const deadline = Date.now() + 20000;
  while (!existsSync(portFile) && child.exitCode === null && Date.now() < deadline) await sleep(5);
  if (!existsSync(portFile)) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${kind} did not listen: ${stderr.trim() || `exit ${child.exitCode}`}`);
  }
  return { kind, child, pid: child.pid, port: Number(readFileSync(portFile, "utf8")), dir, stderr: () => stderr };
}

// Stops the bridge (SIGTERM, SIGKILL after 10 s), then whatever still runs the echo server; returns how many
// echo servers had to be killed that way (0 when the bridge cleaned up after itself).
async function stopBridge(bridge, echoServer) {
  const exited = new Promise((resolve) => (bridge.child.exitCode !== null || bridge.child.signalCode !== null
    ? resolve() : bridge.child.once("exit", resolve)));
  bridge.child.kill("SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleep(10000).then(() => true)]);
  if (timedOut) {
    bridge.child.kill("SIGKILL");
    await exited;
  }
  rmSync(bridge.dir, { recursive: true, force: true });
  // The bridge's own grace period for its children (supergateway: up to 5 s) has passed once it has exited.
  await sleep(200);
  const left = processesRunning(echoServer);
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  return { stop_timed_out: timedOut, left_after_stop: left.length };
}

// ---------------------------------------------------------------------------------------------------- measures
// `calls` tool calls in sequence on one session, after `warmup` more, timed by perf/mcp_client.cpp (a C++ client:
// a Node client's own pauses added 1-3 ms at p99 on these two cores); keep-alive connections (as the SDK clients use),
// or a new connection for every request. The bridge's CPU time is read over exactly the timed calls: the client
// says "warm" after its warm-up and waits for a line on its stdin.
function clientRoundTrips(tools, port, pid, calls, warmup, keepAlive) {
  return new Promise((resolve, reject) => {
    const args = [String(port), String(warmup), String(calls), ...(keepAlive ? [] : ["--new-connection"])];
    const client = spawn(tools.mcpClient, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let ticks0 = null;
    let ticks = null;
    const timer = setTimeout(() => client.kill("SIGKILL"), 120000);
    client.stdout.setEncoding("utf8");
    client.stdout.on("data", (chunk) => {
      out += chunk;
      if (ticks0 === null && out.startsWith("warm\n")) {
        ticks0 = cpuTicks(pid);
        client.stdin.write("\n");
      } else if (ticks === null && ticks0 !== null && out.endsWith("}\n")) {
        ticks = cpuTicks(pid);
      }
    });
    client.stderr.on("data", (chunk) => (err += chunk));
    client.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${tools.mcpClient}: ${e.message}`));
    });
    client.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || ticks === null) {
        return reject(new Error(`mcp_client ${code === null ? signal : `exit ${code}`}: ` +
          `${err.trim() || "no result"}`));
      }
      const r = JSON.parse(out.slice("warm\n".length));
      const mean = r.ms.reduce((a, b) => a + b, 0) / r.ms.length;
      resolve({ round_trip_ms: { ...summary(r.ms), mean }, bridge_cpu_ticks: ticks - ticks0, resent_posts: r.resent });
    });
  });
}

// The same calls made by the Node raw-HTTP client above (keep-alive connections): what a Node client, as the SDK
// clients are, sees of each bridge, its own pauses included.
async function nodeRoundTrips(port, calls, warmup) {
  const session = new Session(port, true);
  await session.open();
  try {
    for (let i = 0; i < warmup; ++i) await session.call(`warm-up ${i}`);
    const times = [];
    for (let i = 0; i < calls; ++i) {
      const r = await session.call(`call ${i}`);
      if (r.answer.result?.content?.[0]?.text !== `call ${i}`) throw new Error(`call ${i}: wrong echo`);
      times.push(r.ms);
    }
    return summary(times);
  } finally {
    await session.close();
  }
}

// Opens `count` sessions, `parallel` at a time; each initializes, holds a GET stream and makes one call.
async function openSessions(port, count, parallel) {
  const sessions = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const s = new Session(port);
      sessions.push(s);
      await s.open();
      await s.openGetStream();
      await s.call("hello");
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return sessions;
}

async function settledRss(pid) {
  await sleep(1000);
  return rssKb(pid);
}

// The whole scenario for one bridge; `tools` names the programs, `load` the sizes.
export async function mcpBridge(kind, tools, load, clkTck) {
  const bridge = await startBridge(kind, tools, load.sessions);
  try {
    // Memory first, on a fresh bridge: thousands of calls leave a garbage-collected bridge's heap at a size of
    // their own, which would hide what sessions cost. A session opened and ended before the baseline: what the
    // first session allocates for good is not per session.
    const warm = new Session(bridge.port);
    await warm.open();
    await warm.call("warm-up");
    await warm.close();
    const rssIdle = await settledRss(bridge.pid);
    const sessions = await openSessions(bridge.port, load.sessions, 10);
    const rssSessions = await settledRss(bridge.pid);
    const children = descendants(bridge.pid).length;
    const deleteStatuses = await Promise.all(sessions.map((s) => s.close()));
    const t0 = Date.now();
    await sleep(load.leftAfterMs);
    const leftDescendants = descendants(bridge.pid);
    const leftServers = processesRunning(tools.echoServer);
    const waited = Date.now() - t0;
    const rss = rssKb(bridge.pid);
    const rt = await clientRoundTrips(tools, bridge.port, bridge.pid, load.calls, load.warmup, true);
    const fresh = await clientRoundTrips(tools, bridge.port, bridge.pid, load.calls, load.warmup, false);
    const node = await nodeRoundTrips(bridge.port, load.calls, load.warmup);
    const stop = await stopBridge(bridge, tools.echoServer);
    const statuses = {};
    for (const s of deleteStatuses) statuses[s] = (statuses[s] || 0) + 1;
    return {
      scenario: "mcp", server: kind, calls: load.calls, ...rt,
      bridge_cpu_us_per_call: (rt.bridge_cpu_ticks / clkTck) * 1e6 / load.calls,
      new_connection: { round_trip_ms: fresh.round_trip_ms,
        bridge_cpu_us_per_call: (fresh.bridge_cpu_ticks / clkTck) * 1e6 / load.calls },
      node_client_round_trip_ms: node,
      sessions: load.sessions, rss_idle_kb: rssIdle, rss_sessions_kb: rssSessions,
      rss_per_session_kb: (rssSessions - rssIdle) / load.sessions, processes_with_sessions: children,
      delete_statuses: statuses, left_after_ms: waited, left_descendants: leftDescendants.length,
      left_echo_servers: leftServers.length, rss_after_end_kb: rss, ...stop,
    };
  } catch (e) {
    bridge.child.kill("SIGKILL");
    for (const pid of processesRunning(tools.echoServer)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    rmSync(bridge.dir, { recursive: true, force: true });
    throw new Error(`${e.message}${bridge.stderr() ? ` (${kind} said: ${bridge.stderr().trim().slice(-300)})` : ""}`);
  }
}
