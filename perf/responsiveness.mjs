// perf/responsiveness.mjs — the engine's responsiveness figures (issue 3) for scripts/bench: how soon the server
// notices a client that closed its socket (heartbeats off, as seen in /metrics), and how much 256 connections that
// send nothing, half a request, or a request one byte per second delay `GET /healthz` and a new stream's headers.
import { connect } from "node:net";

const now = () => Number(process.hrtime.bigint()) / 1e6; // milliseconds
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// p50, p99 and max of a list of milliseconds.
export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

// Sends `request` on a new connection; resolves with the socket and the text received once the response
// headers are complete.
function exchange(port, request, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response headers within ${timeoutMs} ms for ${request.split("\r\n")[0]}`));
    }, timeoutMs);
    socket.setNoDelay(true);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk) => {
      text += chunk;
      if (text.includes("\r\n\r\n")) {
        clearTimeout(timer);
        socket.removeAllListeners("data");
        resolve({ socket, text });
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const get = (path) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;

// Milliseconds from connect to the end of the response headers of GET `path`.
async function timeToHeaders(port, path) {
  const t0 = now();
  const { socket } = await exchange(port, get(path));
  const elapsed = now() - t0;
  socket.destroy();
  return elapsed;
}

// The value of ssetool_NAME in /metrics.
async function metric(port, name) {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = body.match(new RegExp(`^ssetool_${name} (\\d+)`, "m"));
  if (!m) throw new Error(`/metrics has no ssetool_${name}`);
  return Number(m[1]);
}

async function awaitMetric(port, name, value, timeoutMs = 5000) {
  const t0 = now();
  while ((await metric(port, name)) !== value) {
    if (now() - t0 > timeoutMs) throw new Error(`ssetool_${name} did not reach ${value} within ${timeoutMs} ms`);
  }
  return now() - t0;
}

// `samples` times: open a stream, close it, and measure until the server's clients_connected drops back.
// Each /metrics poll costs a fraction of a millisecond, which bounds the resolution.
export async function disconnectDetection(port, samples) {
  const times = [];
  for (let i = 0; i < samples; ++i) {
    const { socket } = await exchange(port, get("/events"));
    await awaitMetric(port, "clients_connected", 1);
    socket.destroy();
    times.push(await awaitMetric(port, "clients_connected", 0));
  }
  return summary(times);
}

async function measureRequests(port, samples) {
  const healthz = [];
  const stream = [];
  for (let i = 0; i < samples; ++i) {
    healthz.push(await timeToHeaders(port, "/healthz"));
    stream.push(await timeToHeaders(port, "/events"));
  }
  return { healthz: summary(healthz), stream: summary(stream) };
}

// Opens `count` hostile connections: a third send nothing, a third half a request, a third one byte per second.
async function openSlowConnections(port, count) {
  const request = get("/events");
  const sockets = [];
  const trickles = [];
  for (let i = 0; i < count; ++i) {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    if (i % 3 === 1) socket.write(request.slice(0, 20));
    if (i % 3 === 2) {
      let sent = 0;
      trickles.push(setInterval(() => socket.write(request[sent++ % request.length]), 1000));
    }
    sockets.push(socket);
  }
  return () => {
    trickles.forEach(clearInterval);
    sockets.forEach((s) => s.destroy());
  };
}

// `/healthz` and stream-header times without, then with, `count` slow connections held open.
export async function slowConnections(port, count, samples) {
  const before = await measureRequests(port, samples);
  const close = await openSlowConnections(port, count);
  try {
    await sleep(1500); // let the trickling connections send a byte or two
    const during = await measureRequests(port, samples);
    return { connections: count, before, during };
  } finally {
    close();
  }
}
