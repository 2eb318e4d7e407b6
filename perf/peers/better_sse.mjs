// The better-sse peer of scripts/bench: a Node SSE library's channel broadcast (installed from the npm
// registry into build/bench/node_modules by scripts/bench). See common.mjs for what it serves.
import { createServer } from "node:http";
import { createChannel, createSession } from "better-sse";
import { epochMicros, listen, portFileFromArgs, readLines, shutDown } from "./common.mjs";

const channel = createChannel();
const responses = new Set();
const server = createServer(async (req, res) => {
  if (req.url !== "/events") {
    res.writeHead(404).end();
    return;
  }
  // The data is already text: send it as is rather than JSON-encoded.
  const session = await createSession(req, res, { serializer: (data) => String(data) });
  channel.register(session);
  responses.add(res);
  res.on("close", () => responses.delete(res));
});

let id = 0;
readLines(
  (line) => channel.broadcast(`@${epochMicros()} ${line}`, "message", { eventId: String(++id) }),
  () => shutDown(server, responses),
);
listen(server, portFileFromArgs());
