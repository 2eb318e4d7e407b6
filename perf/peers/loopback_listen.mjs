// perf/peers/loopback_listen.mjs — loaded with `node --import` before supergateway in scripts/bench's `mcp`
// scenario. supergateway listens on every interface at a fixed --port and has no flag for the address; this makes
// its one listening socket use 127.0.0.1 and a free port (0), and writes that port to the file named by
// SSETOOL_BENCH_PORT_FILE once it accepts (as ssetool's --port-file does), so the bench stays on loopback and
// never collides with a port in use.
import { renameSync, writeFileSync } from "node:fs";
import net from "node:net";

const portFile = process.env.SSETOOL_BENCH_PORT_FILE;
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const callback = args.find((a) => typeof a === "function");
  this.once("listening", () => {
    if (!portFile) return;
    writeFileSync(portFile + ".tmp", `${this.address().port}\n`);
    renameSync(portFile + ".tmp", portFile);
  });
  return callback ? listen.call(this, { host: "127.0.0.1", port: 0 }, callback)
    : listen.call(this, { host: "127.0.0.1", port: 0 });
};
