// Shared by the Node peers of scripts/bench: command line, the port file, stdin split into lines, and the send
// stamp. Each peer serves the same thing as `ssetool pipe --stamp`: every stdin line becomes one event with a
// numeric id and data "@<epoch microseconds> LINE", sent to every client of /events; at end of input every
// response is ended and the process exits.
import { renameSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export function portFileFromArgs() {
  const i = process.argv.indexOf("--port-file");
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error("usage: node PEER.mjs --port-file FILE < lines");
    process.exit(2);
  }
  return process.argv[i + 1];
}

// Listens on 127.0.0.1, any port; writes the port to `portFile` (atomically) once accepting.
export function listen(server, portFile) {
  server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
    writeFileSync(portFile + ".tmp", `${server.address().port}\n`);
    renameSync(portFile + ".tmp", portFile);
  });
}

// Microseconds since the Unix epoch, with sub-millisecond resolution.
export function epochMicros() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

// Calls onLine for each line of stdin, then onEnd.
export function readLines(onLine, onEnd) {
  let pending = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => {
    pending += chunk;
    let start = 0;
    for (let lf = pending.indexOf("\n"); lf >= 0; lf = pending.indexOf("\n", start)) {
      onLine(pending.slice(start, lf));
      start = lf + 1;
    }
    pending = pending.slice(start);
  });
  process.stdin.on("end", onEnd);
}

// Ends every response, closes the server, and exits once the connections are gone (at most 2 s later).
export function shutDown(server, responses) {
  for (const res of responses) res.end();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}

// The whole plain Node peer (node_http.mjs, node_https.mjs): `makeServer(handler)` builds the server (http or
// https) around the SSE handler; stdin lines go to every client of /events, and the end of input ends them.
export function servePlainPeer(makeServer) {
  const clients = new Set();
  const server = makeServer((req, res) => {
    if (req.url !== "/events") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    res.flushHeaders();
    clients.add(res);
    res.on("close", () => clients.delete(res));
  });
  let id = 0;
  readLines(
    (line) => {
      const frame = `id: ${++id}\ndata: @${epochMicros()} ${line}\n\n`;
      for (const res of clients) res.write(frame);
    },
    () => shutDown(server, clients),
  );
  listen(server, portFileFromArgs());
}
