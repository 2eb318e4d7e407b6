// The nginx + nchan peer of scripts/bench (issue 15): Debian's nginx with libnginx-mod-nchan, one worker process,
// started on a free loopback port with a configuration of its own in a temporary directory. Clients subscribe at
// /events (nchan's EventSource subscriber); this script publishes each stdin line to nchan's publisher location, one
// POST per line over a kept-alive connection, as data "@<epoch microseconds> LINE" (the send stamp the load client
// reads; nchan gives its own, non-numeric, ids). It writes nginx's worker pid to PORTFILE.pid before the port file,
// so that the driver measures the worker (CPU, RSS) as the server, not this feeder. At end of input it deletes the
// channel (nchan ends every stream), stops nginx and exits.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { epochMicros, portFileFromArgs, readLines } from "./common.mjs";

const MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so";
const portFile = portFileFromArgs();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function config(dir, port) {
  return `daemon off;
worker_processes 1;
worker_rlimit_nofile 40000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
load_module ${MODULE};
events { worker_connections 30000; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /events { nchan_subscriber eventsource; nchan_channel_id bench; }
    location = /pub { nchan_publisher; nchan_channel_id bench; nchan_message_buffer_length 1000; }
  }
}
`;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function call(port, method, body = "") {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/pub", method, agent,
      headers: { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

// The worker: the one child of nginx's master process.
function workerPid(masterPid) {
  const path = `/proc/${masterPid}/task/${masterPid}/children`;
  const children = existsSync(path) ? readFileSync(path, "utf8").trim().split(/\s+/).filter(Boolean) : [];
  return children.length === 1 ? Number(children[0]) : null;
}

async function main() {
  if (!existsSync(MODULE)) {
    console.error(`nchan peer: ${MODULE} is missing (Debian: apt-get install nginx libnginx-mod-nchan)`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "ssetool-nchan-"));
  const port = await freePort();
  writeFileSync(join(dir, "nginx.conf"), config(dir, port));
  const nginx = spawn("nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "inherit", "inherit"] });
  let worker = null;
  for (let i = 0; i < 400 && !worker; ++i) {
    await sleep(25); // nginx says nothing when it is ready: its worker appears, and the port answers
    if (nginx.exitCode !== null) break;
    const w = workerPid(nginx.pid);
    if (w && (await call(port, "GET")) !== 0) worker = w;
  }
  if (!worker) {
    console.error(`nchan peer: nginx did not start: ${existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : ""}`);
    nginx.kill("SIGKILL");
    process.exit(1);
  }
  writeFileSync(`${portFile}.pid`, `${worker}\n`);
  writeFileSync(`${portFile}.tmp`, `${port}\n`);
  renameSync(`${portFile}.tmp`, portFile);

  let chain = Promise.resolve();
  readLines(
    (line) => {
      const body = `@${epochMicros()} ${line}`;
      chain = chain.then(() => call(port, "POST", body));
    },
    () => {
      chain.then(async () => {
        await call(port, "DELETE");
        nginx.kill("SIGQUIT"); // graceful: the streams end, then nginx exits
        setTimeout(() => nginx.kill("SIGKILL"), 5000).unref();
        nginx.once("exit", () => {
          rmSync(dir, { recursive: true, force: true });
          process.exit(0);
        });
      });
    },
  );
}

main();
