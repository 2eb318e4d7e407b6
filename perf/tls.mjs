// perf/tls.mjs — the TLS fan-out scenario of scripts/bench (issue 15): `ssetool pipe --tls-cert/--tls-key` against
// Node `https` (peers/node_https.mjs), both serving one certificate the bench makes with openssl, loaded by
// `ssetool bench https://... --cacert` (a process of its own: its CPU is not in the server's figure). The driver
// runs it as a fan-out (perf/driver.mjs fanOut); this file makes the certificate, gives each server's command line
// and the bench's, and writes the report's section.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const TLS_TARGET = 0.6; // ssetool's CPU per delivery at most 0.6x Node https's

// A self-signed P-256 certificate for 127.0.0.1 (and localhost), made once into `out` (build/bench).
export function tlsCertificate(out) {
  const cert = join(out, "tls-cert.pem");
  const key = join(out, "tls-key.pem");
  if (!existsSync(cert) || !existsSync(key)) {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { stdio: ["ignore", "ignore", "pipe"] });
  }
  return { cert, key };
}

// How the driver starts `kind` over TLS and what the load client needs: { argv(portFile), scheme, benchArgs }.
export function tlsVia(kind, certificate, { ssetool, tool }) {
  const { cert, key } = certificate;
  const argv = {
    ssetool: (p) => [ssetool, "pipe", "--stamp", "--listen", "127.0.0.1:0", "--port-file", p, "-q",
      "--tls-cert", cert, "--tls-key", key],
    node_https: (p) => ["node", tool("peers/node_https.mjs"), "--port-file", p, "--tls-cert", cert, "--tls-key", key],
  }[kind];
  if (!argv) throw new Error(`no TLS command line for ${kind}`);
  return { argv, scheme: "https", benchArgs: ["--cacert", cert] };
}

// The report's section: the fan-out table (report.mjs's) and the target.
export function tlsSection(results, table) {
  if (!table) return "";
  const find = (server) => results.find((r) => r.scenario === "tls_1000x100" && r.server === server && !r.error);
  const sse = find("ssetool");
  const node = find("node_https");
  let md = "## TLS fan-out: `ssetool pipe --tls-cert` and Node `https` (issue 15)\n\n" +
    "Both serve the same P-256 certificate; the clients are `ssetool bench https://... --cacert` (TLS 1.3).\n\n" +
    table;
  if (sse && node) {
    const r = sse.us_per_delivery / node.us_per_delivery;
    md += `| target | measured | |\n|---|--:|---|\n| CPU per delivery <= ${TLS_TARGET} x Node https | ${r.toFixed(2)} | ` +
      `${r <= TLS_TARGET ? "**met**" : "**missed**"} |\n\n`;
  }
  return md;
}
