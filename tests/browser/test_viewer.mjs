// Browser test of the viewer page of `ssetool pipe`: starts the real binary on port 0, opens its page in headless
// Chromium and checks, through the page's DOM and the requests it sends, that
// - typed events (NDJSON "event", SSE `event:`) are shown with no configuration, each type in its own stable
//   colour ("message" neutral), with a chip per type that counts its events and hides or shows them;
// - the received counter and the events-per-second chart move;
// - a page opened late gets recent history (`?replay-last=100`), raw clients do not;
// - behind --token and on a custom --path, the token goes in `Authorization: Bearer`, never in the stream's URL;
// - when the stream ends and the server comes back, the page reconnects with Last-Event-ID and shows every event
//   exactly once; an HTTP error shows "failed" and the page retries by itself;
// - event text is never parsed as HTML; the text filter, pause/resume, auto-scroll and clear work;
// - `ssetool serve` serves the same page, and it shows the command's events;
// - the page's SSE parser follows the WHATWG rules on bytes ssetool would never send (testParser), and drops a
//   connection whose line grows past 16 MiB instead of holding it (testOversizedLine).
// "A screenshot compared by structure": the page's structure (rows with their types and colours, chips with their
// counts and state, the chart) is dumped from the DOM and compared to the expected one; the PNG is saved for a
// human to look at (--screenshot FILE).
//
//   node tests/browser/test_viewer.mjs --ssetool build/ssetool [--screenshot FILE]
//
// Exit status: 0 passed, 1 failed, 77 skipped (no Chromium). Bounded: the whole run is cut after 100 s.
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

function checkEqual(actual, expected, what) {
  const same = JSON.stringify(actual) === JSON.stringify(expected);
  check(same, what);
  if (!same) console.log(`     expected ${JSON.stringify(expected)}\n     actual   ${JSON.stringify(actual)}`);
}

// ---- ssetool ----

// Every ssetool started, killed when the test ends however it ends (a timeout included).
const started = [];

// Starts `ssetool SUBCOMMAND EXTRA_ARGS...` in `dir` and resolves once it serves, with the process and its port.
function startSsetool(dir, extraArgs, listen = "127.0.0.1:0", subcommand = "pipe") {
  const portFile = path.join(dir, "port");
  fs.rmSync(portFile, { force: true });
  const child = spawn(args.ssetool, [subcommand, "--listen", listen, "--port-file", portFile, ...extraArgs],
                      { stdio: ["pipe", "ignore", "pipe"] });
  started.push(child);
  const exited = new Promise(resolve => child.on("exit", (code, signal) => resolve(code ?? 128 + signal)));
  let stderr = "";
  let serving = false;  // the port file is read once: a later run in the same folder may remove it
  return new Promise((resolve, reject) => {
    child.stderr.on("data", chunk => {
      stderr += chunk;
      if (serving || !stderr.includes("serving ")) return;
      serving = true;
      resolve({ child, exited, port: Number(fs.readFileSync(portFile, "utf8")) });
    });
    exited.then(code => reject(new Error(`ssetool exited with ${code} before serving: ${stderr}`)));
  });
}

const send = (ssetool, ...objects) => ssetool.child.stdin.write(objects.map(o => JSON.stringify(o) + "\n").join(""));

// Resolves once the server has published `n` events (its /metrics), polling every 10 ms; rejects after 10 s.
async function published(ssetool, n, headers = {}) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const text = await new Promise(resolve => {
      http.get(`http://127.0.0.1:${ssetool.port}/metrics`, { headers }, res => {
        let body = "";
        res.on("data", c => { body += c; });
        res.on("end", () => resolve(body));
      }).on("error", () => resolve(""));
    });
    if (Number(/^ssetool_events_published_total (\d+)/m.exec(text)?.[1]) >= n) return;
    if (Date.now() > deadline) throw new Error(`the server did not publish ${n} events within ${TIMEOUT_MS} ms`);
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

// ---- page queries (expressions evaluated in the page) ----

const ROWS = "document.querySelectorAll('#events .row')";
const rowCount = `${ROWS}.length`;
const visibleCount = `Array.from(${ROWS}).filter(r => !r.hidden).length`;
const rowCells = `Array.from(${ROWS}, r => Array.from(r.children, c => ({ text: c.textContent, cls: c.className })))`;
const stateClass = "document.getElementById('state').className";
const stateText = "document.getElementById('state').textContent";
const countsText = "document.getElementById('counts').textContent";
const chip = type => `document.querySelector('#types .chip[data-type="${type}"]')`;

// The page's structure: rows (id, type, type colour, hidden), chips (type, label, pressed), the chart's bars and
// the state. Colours are given as letters by first appearance ("-" for the neutral colour of the id column), so
// the comparison says which types share a colour, not which pixels they are.
const STRUCTURE = `(() => {
  const letters = new Map();
  const neutral = getComputedStyle(document.querySelector('#events .row .id')).color;
  const letter = c => c === neutral ? "-" : (letters.has(c) || letters.set(c, "ABCDEFGH"[letters.size]), letters.get(c));
  return {
    rows: Array.from(${ROWS}, r => [r.children[1].textContent, r.dataset.type,
                                   letter(getComputedStyle(r.children[2]).color), r.hidden ? "hidden" : "shown"]),
    chips: Array.from(document.querySelectorAll('#types .chip'),
                      c => [c.textContent, letter(getComputedStyle(c).borderLeftColor), c.getAttribute('aria-pressed')]),
    bars: document.querySelectorAll('#chart rect').length,
    state: document.getElementById('state').className,
  };
})()`;

// The colour of a type's cell in the first row of that type.
const typeColour = type =>
  `getComputedStyle(document.querySelector('#events .row[data-type="${type}"] .type')).color`;

// ---- the tests ----

// Late joiner, typed NDJSON events, colours, chips, counter, chart, token and custom path.
async function testTypedEvents(page, ssetool, streamRequests) {
  send(ssetool, { data: "before the page opened" }, { event: "tick", data: { n: 0 } });
  await published(ssetool, 2, { Authorization: `Bearer ${TOKEN}` });
  await page.goto(`http://127.0.0.1:${ssetool.port}/?access_token=${TOKEN}`);
  await page.waitFor(`${stateClass} === 'live'`, TIMEOUT_MS, "the connection state 'live'");
  check(true, "the page connects to the custom --path with the token and shows 'live'");
  check(await page.evaluate("document.getElementById('path').textContent") === STREAM_PATH,
        "the page names the stream path");
  await page.waitFor(`${rowCount} === 2`, TIMEOUT_MS, "the two events sent before the page opened");
  check(true, "opened late, the page shows recent history");

  const first = streamRequests[0];
  check(first && first.url.endsWith("/feed/live%20%22now%22?replay-last=100"),
        `the page asks the stream at its --path for the last 100 events (${first?.url})`);
  check(first && first.headers.Authorization === `Bearer ${TOKEN}` && !first.url.includes(TOKEN),
        "the token goes in Authorization: Bearer, not in the stream's URL");
  check(first && first.headers["Last-Event-ID"] === undefined, "the first request has no Last-Event-ID");

  send(ssetool,
       { data: "hello from ssetool" },
       { event: "tick", data: { n: 1, list: [1, 2] } },
       { event: "alert", data: '<img src=x onerror="window.pwned = 1"><b>bold</b>' },
       { event: "tick", data: { n: 2 } },
       { data: "last one" });
  await page.waitFor(`${rowCount} === 7 && ${ROWS}[6].textContent.includes('last one')`, TIMEOUT_MS,
                     "seven rows, the last one 'last one'");
  const rows = await page.evaluate(rowCells);
  check(rows.every(r => /^\d\d:\d\d:\d\d\.\d{3}$/.test(r[0].text)), "every row shows the time received");
  check(rows.map(r => r[1].text).join(",") === "1,2,3,4,5,6,7", "the ids are 1 to 7");
  check(rows.map(r => r[2].text).join(",") === "message,tick,message,tick,alert,tick,message",
        "every type is shown, with no configuration");
  check(rows[2][3].text === "hello from ssetool", "plain data is shown as it came");
  const json = rows[3][3].text;
  check(json === JSON.stringify(JSON.parse(json), null, 2) && json.includes('\n  "n": 1') &&
        rows[3][3].cls.includes("json"), "JSON data is pretty-printed");
  check(rows[4][3].text.startsWith("<img src=x") &&
        await page.evaluate("document.querySelector('#events img, #events b') === null && window.pwned === undefined"),
        "event text is shown as text, never parsed as HTML");
  check((await page.evaluate(countsText)).startsWith("7 received"), "the counter shows 7 received");

  await page.waitFor(`(() => {
      const bars = Array.from(document.querySelectorAll('#chart rect'));
      return bars.reduce((sum, b) => sum + Number(b.dataset.count || 0), 0) === 7 &&
             bars.some(b => Number(b.getAttribute('height')) > 0);
    })()`, 3000, "the chart's bars to add up to the 7 events received");
  check(/\/s \(peak [1-9]\d*\)$/.test(await page.evaluate("document.getElementById('rate').textContent")),
        "the chart shows the rate and its peak");

  const tick = await page.evaluate(typeColour("tick"));
  await page.evaluate(`${chip("tick")}.click()`);
  checkEqual(await page.evaluate(STRUCTURE), {
    rows: [["1", "message", "-", "shown"], ["2", "tick", "A", "hidden"], ["3", "message", "-", "shown"],
           ["4", "tick", "A", "hidden"], ["5", "alert", "B", "shown"], ["6", "tick", "A", "hidden"],
           ["7", "message", "-", "shown"]],
    chips: [["alert 1", "B", "true"], ["message 3", "-", "true"], ["tick 3", "A", "false"]],
    bars: 60,
    state: "live",
  }, "structure: each type its own colour (message neutral), a chip per type with its count; " +
     "the 'tick' chip hides its rows");
  check((await page.evaluate(countsText)).includes("4 shown"), "the counter says how many rows are shown");
  await page.evaluate(`${chip("tick")}.click()`);
  check(await page.evaluate(visibleCount) === 7, "clicking the chip again shows the type's rows again");
  if (args.screenshot) await page.screenshot(args.screenshot);

  await page.evaluate("(f => { f.value = 'LAST'; f.dispatchEvent(new Event('input')); })(filter)");
  check(await page.evaluate(visibleCount) === 1, "the text filter (case-insensitive) shows only the matching row");
  await page.evaluate("(f => { f.value = ''; f.dispatchEvent(new Event('input')); })(filter)");
  check(await page.evaluate(visibleCount) === 7, "clearing the filter shows every row again");

  await page.evaluate("document.getElementById('pause').click()");
  send(ssetool, { data: "sent while paused" });
  await page.waitFor(`${countsText}.includes('1 held')`, TIMEOUT_MS, "'1 held' while paused");
  check(await page.evaluate(rowCount) === 7, "while paused, a new event is held, not shown");
  await page.evaluate("document.getElementById('pause').click()");
  await page.waitFor(`${rowCount} === 8`, TIMEOUT_MS, "the held event shown after resume");
  check(true, "resume shows the held event");

  // Reopened, the page gets the same events again from the history: same ids, types and colours.
  const before = await page.evaluate(STRUCTURE);
  await page.goto(`http://127.0.0.1:${ssetool.port}/?access_token=${TOKEN}`);
  await page.waitFor(`${rowCount} === 8`, TIMEOUT_MS, "the 8 events again after a reload");
  checkEqual(await page.evaluate(STRUCTURE), before, "reloaded, the page shows the same rows, types and colours");
  check(await page.evaluate(typeColour("tick")) === tick, `the colour of a type is stable (${tick})`);
  await testAutoScroll(page, ssetool);
  await page.evaluate("document.getElementById('clear').click()");
  check(await page.evaluate(rowCount) === 0, "clear empties the list");
}

// New rows keep the newest in view until the user scrolls up; then the view stays put and a button offers a jump.
async function testAutoScroll(page, ssetool) {
  const atBottom = "(s => s.scrollHeight - s.scrollTop - s.clientHeight < 4)(scroller)";
  const burst = (from, n) => Array.from({ length: n }, (_, i) => ({ data: { line: from + i, text: "x".repeat(40) } }));
  send(ssetool, ...burst(1, 60));
  await page.waitFor(`${rowCount} === 68`, TIMEOUT_MS, "68 rows");
  check(await page.evaluate(`scroller.scrollHeight > scroller.clientHeight && ${atBottom}`),
        "the list follows the newest row");
  await page.evaluate("scroller.scrollTop = 0");
  await page.waitFor("!jump.hidden", TIMEOUT_MS, "the jump button once scrolled up");
  send(ssetool, ...burst(61, 5));
  await page.waitFor(`${rowCount} === 73`, TIMEOUT_MS, "73 rows");
  check(await page.evaluate("scroller.scrollTop === 0 && jump.textContent.includes('5 new')"),
        "scrolled up, the view stays put and the jump button counts 5 new rows");
  await page.evaluate("jump.click()");
  check(await page.evaluate(`${atBottom} && jump.hidden`), "the jump button returns to the newest row");
}

// SSE input with `event:` and its own ids. The stream ends (end of input: ssetool exits); the page shows that it is
// reconnecting; a new ssetool on the same port with the input grown to 5 events gets the page's Last-Event-ID and
// resumes after it: every event shown exactly once. The page's reconnection is held (DevTools Fetch) until the new
// server has published all 5, so the test does not race it.
async function testReconnectResumes(page, dir, streamRequests, holdStream) {
  const sse = ids => ids.map(i => `id: ${i}\nevent: ${i % 2 ? "price" : "trade"}\ndata: event ${i}\n\n`).join("");
  const first = await startSsetool(dir, ["-f", "sse"]);
  first.child.stdin.write(sse([1, 2, 3]));
  await page.goto(`http://127.0.0.1:${first.port}/`);
  await page.waitFor(`${rowCount} === 3`, TIMEOUT_MS, "the 3 SSE events");
  check((await page.evaluate(rowCells)).map(r => r[2].text).join(",") === "price,trade,price",
        "SSE `event:` types are shown with no configuration");

  let release;
  holdStream.promise = new Promise(resolve => { release = resolve; });
  const requestsBefore = streamRequests.length;
  first.child.stdin.end();
  check(await first.exited === 0, "ssetool exits 0 at end of input");
  await page.waitFor(`${stateClass} === 'reconnecting'`, TIMEOUT_MS, "the connection state 'reconnecting'");
  check(/^reconnecting \(1\): the stream ended; retrying (in 1 s|now)$/.test(await page.evaluate(stateText)),
        `the page shows 'reconnecting (1)' and why (${await page.evaluate(stateText)})`);

  const second = await startSsetool(dir, ["-f", "sse"], `127.0.0.1:${first.port}`);
  second.child.stdin.write(sse([1, 2, 3, 4, 5]));
  await published(second, 5);
  release();
  await page.waitFor(`${rowCount} === 5`, TIMEOUT_MS, "5 rows after the reconnection");
  const again = streamRequests.slice(requestsBefore).at(-1);
  check(again && again.headers["Last-Event-ID"] === "3" && !again.url.includes("replay-last"),
        "the page reconnects with Last-Event-ID: 3 and asks for no history");
  await page.waitFor(`${stateClass} === 'live'`, TIMEOUT_MS, "'live' again");
  check((await page.evaluate(rowCells)).map(r => r[1].text).join(",") === "1,2,3,4,5",
        "after the reconnection every event is shown once: ids 1 to 5");
  second.child.stdin.end();
  check(await second.exited === 0, "the second ssetool exits 0 at end of input");
}

// A stream refused with an HTTP error (503: --max-clients reached): the page shows "failed" and why, retries by
// itself, and goes live once a place is free.
async function testRetryAfterHttpError(page, ssetool) {
  const holder = http.get(`http://127.0.0.1:${ssetool.port}/events`);
  holder.on("error", () => {});
  await new Promise(resolve => holder.on("response", resolve));
  await page.goto(`http://127.0.0.1:${ssetool.port}/`);
  await page.waitFor(`${stateClass} === 'failed'`, TIMEOUT_MS, "the connection state 'failed'");
  check(/^failed \(1\): HTTP 503( .*)?; retrying (in 1 s|now)$/.test(await page.evaluate(stateText)),
        `refused (503), the page shows 'failed', the status and when it retries (${await page.evaluate(stateText)})`);
  holder.destroy();
  await page.waitFor(`${stateClass} === 'live'`, TIMEOUT_MS, "'live' once the other client has gone");
  send(ssetool, { data: "after the retry" });
  await page.waitFor(`${ROWS}[0]?.textContent.includes('after the retry')`, TIMEOUT_MS, "an event after the retry");
  check(true, "the page retries by itself and then shows events");

  // Chips are bounded: "message" and 49 more types get their own; later types share "other types".
  send(ssetool, ...Array.from({ length: 55 }, (_, i) => ({ event: `t${String(i).padStart(2, "0")}`, data: i })));
  await page.waitFor(`${rowCount} === 56`, TIMEOUT_MS, "56 rows");
  const chips = await page.evaluate("Array.from(document.querySelectorAll('#types .chip'), c => c.textContent)");
  checkEqual([chips.length, chips[0], chips.at(-2), chips.at(-1)], [51, "message 1", "t48 1", "other types 6"],
             "50 types get a chip of their own; the 6 later ones share 'other types'");
  await page.evaluate(`${chip("")}.click()`);
  checkEqual(await page.evaluate(`Array.from(${ROWS}).filter(r => r.hidden).map(r => r.dataset.type)`),
             ["t49", "t50", "t51", "t52", "t53", "t54"], "the 'other types' chip hides those types");
  ssetool.child.stdin.end();
  check(await ssetool.exited === 0, "ssetool exits 0 at end of input");
}

// The page's own SSE parser, on bytes ssetool would never send: the page (fetched from ssetool, with its CSP) is
// served by a Node server on its own origin, whose stream has a BOM, CR, LF and CRLF line ends (a CRLF split
// between two writes), comments, `retry`, multi-line data, an id with NUL (ignored), an event with empty data, an
// id-only block, a block with no data (not dispatched), `data:` without a space, and an unfinished event at the end
// (dropped). The page reconnects after the stream's `retry` with the last id and shows the next event.
async function fetchViewerPage(dir) {
  const pipe = await startSsetool(dir, ["--on-eof", "close"]);  // no stream client: auto would keep serving
  const viewer = await new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:${pipe.port}/`, res => {
      let body = "";
      res.on("data", c => { body += c; });
      res.on("end", () => resolve({ body, csp: res.headers["content-security-policy"] }));
    }).on("error", reject);
  });
  pipe.child.stdin.end();
  await pipe.exited;
  return viewer;
}

async function testParser(page, viewer) {

  const writes = ["\uFEFFevent: first\r\n: a comment\r\nretry: 300\r\ndata: line one\r\ndata: line two\r\nid: 1\r\n\r\n",
                  "data: cr only\r\r", "data: split\r", "\n\r\n", "id: bad\0id\ndata: nul id ignored\n\n",
                  "data\n\nid: 2\n\nevent: x\n\ndata:no space\n\n", "data: unfinished"];
  const lastEventIds = [];
  let ended = 0, reconnected = 0;  // when the first stream ended, and the page came back (ms)
  const server = http.createServer(async (req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": viewer.csp });
      return res.end(viewer.body);
    }
    lastEventIds.push(req.headers["last-event-id"] ?? null);
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    if (lastEventIds.length > 1) {
      reconnected = Date.now();
      return res.write("data: after the reconnection\n\n");
    }
    for (const bytes of writes) {
      res.write(bytes);
      await new Promise(resolve => setTimeout(resolve, 20));  // separate reads in the page, most likely
    }
    res.end();
    ended = Date.now();
  });
  await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitFor(`${ROWS}[6]?.textContent.includes('after the reconnection')`, TIMEOUT_MS,
                       "the event after the reconnection");
    checkEqual(await page.evaluate(`Array.from(${ROWS}, r => [r.children[1].textContent, r.children[2].textContent,
                                                              r.children[3].textContent])`),
               [["1", "first", "line one\nline two"], ["1", "message", "cr only"], ["1", "message", "split"],
                ["1", "message", "nul id ignored"], ["1", "message", ""], ["2", "message", "no space"],
                ["2", "message", "after the reconnection"]],
               "the page's parser follows the WHATWG rules (BOM, CR/LF/CRLF, data lines, id, NUL, blocks)");
    checkEqual(lastEventIds, [null, "2"], "it reconnects with the last id (Last-Event-ID: 2)");
    check(reconnected - ended >= 250 && reconnected - ended < 1000,
          `it reconnects after the stream's retry: 300, not the default 1 s (${reconnected - ended} ms)`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

// A server that sends a line longer than the page holds (16 MiB) does not grow the page without bound: the page
// drops that connection, says why, and connects again.
async function testOversizedLine(page, viewer) {
  let requests = 0;
  const server = http.createServer(async (req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": viewer.csp });
      return res.end(viewer.body);
    }
    requests++;
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    if (requests > 1) return res.write("data: after the long line\n\n");
    const chunk = "x".repeat(1024 * 1024);
    res.write("data: ");
    for (let i = 0; i < 17 && !res.destroyed; i++) {
      if (!res.write(chunk)) await new Promise(resolve => res.once("drain", resolve).once("close", resolve));
    }
  });
  await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitFor(`${ROWS}[0]?.textContent.includes('after the long line')`, TIMEOUT_MS,
                       "the event after the connection with the long line");
    check(/^live/.test(await page.evaluate(stateText)), "the page is live again after dropping the long line");
    checkEqual(requests, 2, "the page dropped the connection with the 16 MiB line and connected once more");
    checkEqual(await page.evaluate(`${ROWS}.length`), 1, "nothing of the long line is shown");
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

// `ssetool serve` serves the same page; its command gets the page's `replay-last` in QUERY_STRING and may ignore it.
async function testServe(page, dir) {
  const serve = await startSsetool(dir, ["-f", "sse", "--", "sh", "-c",
                                         "printf 'event: greet\\ndata: hello from serve\\n\\n'; sleep 60"],
                                   "127.0.0.1:0", "serve");
  try {
    await page.goto(`http://127.0.0.1:${serve.port}/`);
    await page.waitFor(`${ROWS}[0]?.textContent.includes('hello from serve')`, TIMEOUT_MS, "the event of serve's command");
    check(await page.evaluate(`${ROWS}[0].dataset.type`) === "greet" && await page.evaluate(stateClass) === "live",
          "on serve, the page shows the command's typed event, live");
  } finally {
    serve.child.kill("SIGTERM");
    await serve.exited;
  }
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
    console.log("FAIL the test did not finish within 100 s");
    browser.kill();
    for (const child of started) child.kill("SIGKILL");
    process.exit(1);
  }, 100000);
  try {
    const page = await browser.newPage();
    const streamRequests = [];             // every stream request the page sent: {url, method, headers}
    const holdStream = { promise: null };  // when set, stream requests wait for it
    await page.interceptRequests("*", async request => {
      if (request.headers.Accept !== "text/event-stream") return;
      streamRequests.push(request);
      await holdStream.promise;
    });
    servers.push(await startSsetool(dir, ["-f", "ndjson", "--path", STREAM_PATH, "--token", TOKEN]));
    await testTypedEvents(page, servers[0], streamRequests);
    servers[0].child.stdin.end();
    await testReconnectResumes(page, dir, streamRequests, holdStream);
    servers.push(await startSsetool(dir, ["-f", "ndjson", "--max-clients", "1"]));
    await testRetryAfterHttpError(page, servers[1]);
    await testServe(page, dir);
    const viewer = await fetchViewerPage(dir);
    await testParser(page, viewer);
    await testOversizedLine(page, viewer);
    check(page.problems.length === 0, `no script or security errors in the page ${page.problems.join("; ")}`);
  } finally {
    clearTimeout(cutoff);
    for (const child of started) child.kill("SIGKILL");
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
