// Browser test of the viewer page of `ssetool pipe`: starts the real binary on port 0 with a custom --path and a
// --token, opens its page in headless Chromium and checks, through the page's DOM, that events written to ssetool's
// stdin appear live (ids, types, named events listened for via ?events=, JSON pretty-printed, event text never
// parsed as HTML), that the connection state shows live, reconnecting, and failed with a retry that succeeds, and
// that the filter, pause/resume, auto-scroll and clear work.
//
//   node tests/browser/test_viewer.mjs --ssetool build/ssetool [--screenshot FILE]
//
// Exit status: 0 passed, 1 failed, 77 skipped (no Chromium). Bounded: the whole run is cut after 90 s.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { Chromium, findChromium } from "./chromium.mjs";

const { values: args } = parseArgs({ options: { ssetool: { type: "string" }, screenshot: { type: "string" } } });
const TIMEOUT_MS = 10000;  // one wait in the page
const STREAM_PATH = '/feed/live "now"';
const TOKEN = "s3cret";

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

// ---- ssetool ----

// Starts `ssetool pipe -f ndjson EXTRA_ARGS...` in `dir` and resolves once it serves, with the process and its port.
function startSsetool(dir, extraArgs) {
  const portFile = path.join(dir, "port");
  const child = spawn(args.ssetool, ["pipe", "-f", "ndjson", "--listen", "127.0.0.1:0", "--port-file", portFile,
                                     ...extraArgs],
                      { stdio: ["pipe", "ignore", "pipe"] });
  const exited = new Promise(resolve => child.on("exit", (code, signal) => resolve(code ?? 128 + signal)));
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr.on("data", chunk => {
      stderr += chunk;
      if (stderr.includes("serving ")) resolve({ child, exited, port: Number(fs.readFileSync(portFile, "utf8")) });
    });
    exited.then(code => reject(new Error(`ssetool exited with ${code} before serving: ${stderr}`)));
  });
}

const send = (ssetool, ...objects) => ssetool.child.stdin.write(objects.map(o => JSON.stringify(o) + "\n").join(""));

// ---- page queries (expressions evaluated in the page) ----

const ROWS = "document.querySelectorAll('#events .row')";
const rowCount = `${ROWS}.length`;
const visibleCount = `Array.from(${ROWS}).filter(r => !r.hidden).length`;
const rowCells = `Array.from(${ROWS}, r => Array.from(r.children, c => ({ text: c.textContent, cls: c.className })))`;
const stateClass = "document.getElementById('state').className";
const countsText = "document.getElementById('counts').textContent";

// ---- the test ----

async function testViewer(page, ssetool) {
  await page.goto(`http://127.0.0.1:${ssetool.port}/?access_token=${TOKEN}&events=tick`);
  await page.waitFor(`${stateClass} === 'live'`, TIMEOUT_MS, "the connection state 'live'");
  check(true, "the page connects to the custom --path with the token and shows 'live'");
  check(await page.evaluate("document.getElementById('path').textContent") === STREAM_PATH,
        "the page names the stream path");

  send(ssetool,
       { data: "hello from ssetool" },
       { event: "tick", data: { n: 1, list: [1, 2] } },
       { data: '<img src=x onerror="window.pwned = 1"><b>bold</b>' },
       { event: "unlisted", data: "not listened for" },
       { data: "last one" });
  await page.waitFor(`${rowCount} === 4 && ${ROWS}[3].textContent.includes('last one')`, TIMEOUT_MS,
                     "four rows, the last one 'last one'");
  const rows = await page.evaluate(rowCells);
  check(rows.every(r => /^\d\d:\d\d:\d\d\.\d{3}$/.test(r[0].text)), "every row shows the time received");
  check(rows.map(r => r[1].text).join(",") === "1,2,3,5", "the ids are 1, 2, 3, 5");
  check(rows.map(r => r[2].text).join(",") === "message,tick,message,message",
        "the types are shown, the named event 'tick' (from ?events=) included");
  check(rows[0][3].text === "hello from ssetool", "plain data is shown as it came");
  const json = rows[1][3].text;  // ssetool sends {"list":[1,2],"n":1}: compact, keys sorted
  check(json === JSON.stringify(JSON.parse(json), null, 2) && json.includes('\n  "n": 1') &&
        rows[1][3].cls.includes("json"), "JSON data is pretty-printed");
  check(rows[2][3].text.startsWith("<img src=x") &&
        await page.evaluate("document.querySelector('#events img, #events b') === null && window.pwned === undefined"),
        "event text is shown as text, never parsed as HTML");

  await page.evaluate("(f => { f.value = 'TICK'; f.dispatchEvent(new Event('input')); })(filter)");
  check(await page.evaluate(visibleCount) === 1 && (await page.evaluate(countsText)).includes("1 match"),
        "the filter (case-insensitive) shows only the matching row");
  await page.evaluate("(f => { f.value = ''; f.dispatchEvent(new Event('input')); })(filter)");
  check(await page.evaluate(visibleCount) === 4, "clearing the filter shows every row again");

  await page.evaluate("document.getElementById('pause').click()");
  send(ssetool, { data: "sent while paused" });
  await page.waitFor(`${countsText}.includes('1 held')`, TIMEOUT_MS, "'1 held' while paused");
  check(await page.evaluate(rowCount) === 4, "while paused, a new event is held, not shown");
  await page.evaluate("document.getElementById('pause').click()");
  await page.waitFor(`${rowCount} === 5`, TIMEOUT_MS, "the held event shown after resume");
  check(true, "resume shows the held event");

  await testAutoScroll(page, ssetool);
  if (args.screenshot) await page.screenshot(args.screenshot);

  await page.evaluate("document.getElementById('clear').click()");
  check(await page.evaluate(rowCount) === 0, "clear empties the list");
}

// New rows keep the newest in view until the user scrolls up; then the view stays put and a button offers a jump.
async function testAutoScroll(page, ssetool) {
  const atBottom = "(s => s.scrollHeight - s.scrollTop - s.clientHeight < 4)(scroller)";
  const burst = (from, n) => Array.from({ length: n }, (_, i) => ({ data: { line: from + i, text: "x".repeat(40) } }));
  send(ssetool, ...burst(1, 60));
  await page.waitFor(`${rowCount} === 65`, TIMEOUT_MS, "65 rows");
  check(await page.evaluate(`scroller.scrollHeight > scroller.clientHeight && ${atBottom}`),
        "the list follows the newest row");
  await page.evaluate("scroller.scrollTop = 0");
  await page.waitFor("!jump.hidden", TIMEOUT_MS, "the jump button once scrolled up");
  send(ssetool, ...burst(61, 5));
  await page.waitFor(`${rowCount} === 70`, TIMEOUT_MS, "70 rows");
  check(await page.evaluate("scroller.scrollTop === 0 && jump.textContent.includes('5 new')"),
        "scrolled up, the view stays put and the jump button counts 5 new rows");
  await page.evaluate("jump.click()");
  check(await page.evaluate(`${atBottom} && jump.hidden`), "the jump button returns to the newest row");
}

// At end of input ssetool ends the stream and exits; the page shows that it is reconnecting.
async function testEndOfInput(page, ssetool) {
  ssetool.child.stdin.end();
  check(await ssetool.exited === 0, "ssetool exits 0 at end of input");
  await page.waitFor(`${stateClass} === 'reconnecting'`, TIMEOUT_MS, "the connection state 'reconnecting'");
  check(/reconnecting \(\d+\)/.test(await page.evaluate("document.getElementById('state').textContent")),
        "the page shows 'reconnecting' with a count");
}

// A stream refused with an HTTP error (503: --max-clients reached) makes EventSource give up; the page shows
// "failed" and retries by itself, and goes live once a place is free.
async function testRetryAfterHttpError(page, ssetool) {
  const holder = http.get(`http://127.0.0.1:${ssetool.port}/events`);
  holder.on("error", () => {});
  await new Promise(resolve => holder.on("response", resolve));
  await page.goto(`http://127.0.0.1:${ssetool.port}/`);
  await page.waitFor(`${stateClass} === 'failed'`, TIMEOUT_MS, "the connection state 'failed'");
  check(/failed \(1\), retrying in 1 s/.test(await page.evaluate("document.getElementById('state').textContent")),
        "refused (503), the page shows 'failed' and when it retries");
  holder.destroy();
  await page.waitFor(`${stateClass} === 'live'`, TIMEOUT_MS, "'live' once the other client has gone");
  send(ssetool, { data: "after the retry" });
  await page.waitFor(`${ROWS}[0]?.textContent.includes('after the retry')`, TIMEOUT_MS, "an event after the retry");
  check(true, "the page retries by itself and then shows events");
  ssetool.child.stdin.end();
  check(await ssetool.exited === 0, "ssetool exits 0 at end of input");
}

async function main() {
  if (!args.ssetool) throw new Error("usage: test_viewer.mjs --ssetool PATH [--screenshot FILE]");
  if (!findChromium()) {
    console.log("skipped: no Chromium (install the chromium package or set CHROMIUM)");
    return 77;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ssetool-viewer-"));
  const servers = [];
  const browser = await Chromium.launch();
  const cutoff = setTimeout(() => {
    console.log("FAIL the test did not finish within 90 s");
    browser.kill();
    for (const s of servers) s.child.kill("SIGKILL");
    process.exit(1);
  }, 90000);
  try {
    const page = await browser.newPage();
    servers.push(await startSsetool(dir, ["--path", STREAM_PATH, "--token", TOKEN]));
    await testViewer(page, servers[0]);
    await testEndOfInput(page, servers[0]);
    servers.push(await startSsetool(dir, ["--max-clients", "1"]));
    await testRetryAfterHttpError(page, servers[1]);
    check(page.problems.length === 0, `no script or security errors in the page ${page.problems.join("; ")}`);
  } finally {
    clearTimeout(cutoff);
    for (const s of servers) s.child.kill("SIGKILL");
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(failures === 0 ? "browser test passed" : `browser test FAILED: ${failures} check(s)`);
  return failures === 0 ? 0 : 1;
}

main().then(code => process.exit(code), error => {
  console.log(`FAIL ${error.stack ?? error}`);
  process.exit(1);
});
