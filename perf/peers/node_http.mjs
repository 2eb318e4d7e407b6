// The plain Node `http` SSE peer of scripts/bench: what a user would write by hand without a library.
// See common.mjs for what it serves.
import { createServer } from "node:http";
import { epochMicros, listen, portFileFromArgs, readLines, shutDown } from "./common.mjs";

const clients = new Set();
const server = createServer((req, res) => {
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
