// The Node `https` SSE peer of scripts/bench's TLS scenario (issue 15): node_http.mjs over TLS, with the
// certificate and key the bench made for ssetool (perf/tls.mjs). See common.mjs for what it serves.
//
//   node node_https.mjs --port-file FILE --tls-cert CERT.pem --tls-key KEY.pem < lines
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { servePlainPeer } from "./common.mjs";

function fileArg(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`usage: node node_https.mjs --port-file FILE --tls-cert CERT --tls-key KEY < lines (missing ${name})`);
    process.exit(2);
  }
  return readFileSync(process.argv[i + 1]);
}

servePlainPeer((handler) => createServer({ cert: fileArg("--tls-cert"), key: fileArg("--tls-key") }, handler));
