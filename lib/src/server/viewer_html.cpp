// The viewer page served at GET / by `ssetool pipe` and `ssetool serve`: the whole document, compiled into the
// binary so that it works offline and needs no other request. It reads the event stream itself and shows each
// event as a row (time received, id, type, data), newest at the bottom.
//
// How it behaves, in short:
// - Reading: fetch() with a streaming reader, decoded as UTF-8 (a leading BOM dropped) and parsed by the page's own
//   SSE parser, which follows the WHATWG rules (CR, LF or CRLF line ends; `data` lines joined with LF; `event`;
//   `id` unless it holds NUL, kept across events; `retry`; comments; dispatch at a blank line; an unfinished event
//   dropped when the connection ends). So every event type is shown, with no configuration.
// - History: on first open the page asks for the last 100 events (`?replay-last=100`); on a reconnect it sends
//   `Last-Event-ID` instead, so the server resumes after the last event shown: nothing twice, nothing skipped.
// - Token: an `access_token` in the page's URL is sent with the stream request as `Authorization: Bearer`, never
//   in the stream's URL.
// - Connection state: connecting; live; reconnecting (n) after the stream ended or could not be reached; failed (n)
//   after an HTTP error or a reply that is not an event stream. Each retry waits the server's `retry:` (else 1 s),
//   doubling with each failed attempt up to 30 s.
// - Types: each type gets a colour from a hash of its name (`message` stays neutral) and a chip, with its count,
//   that hides or shows its rows (the first 50 types; any later ones share one "other types" chip). A chart shows the events received per second over the last 60 s.
// - Bounds: the page keeps the newest 5000 rows (and holds at most that many while paused); older ones are dropped
//   and counted. One event's data is shown up to 10000 characters. Rows are added once per animation frame.
// - All event text goes into the page through textContent: nothing from the stream is parsed as HTML.
#include "ssetool/server/viewer_html.hpp"

namespace ssetool {

namespace {

constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>ssetool viewer</title>
<style nonce="@SSETOOL_NONCE@">
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #656d76; --line: #d8dee4; --bar: #f6f8fa;
  --live: #1a7f37; --warn: #9a6700; --bad: #cf222e; --accent: #0550ae; --type-l: 38%; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --bar: #161b22;
    --live: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #79c0ff; --type-l: 70%; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; background: var(--bg); color: var(--fg);
  font: 14px/1.4 system-ui, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; padding: 8px 12px;
  background: var(--bar); border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 15px; font-weight: 600; }
#path { font-family: ui-monospace, monospace; font-weight: 400; }
#state { font-weight: 600; }
#state::before { content: "\25CF\00A0"; }
#state.connecting, #state.reconnecting { color: var(--warn); }
#state.live { color: var(--live); }
#state.failed { color: var(--bad); }
#counts, #rate { color: var(--muted); }
#chart { width: 180px; height: 24px; border-bottom: 1px solid var(--line); }
#chart rect { fill: var(--accent); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-left: auto; }
input, button { font: inherit; padding: 2px 8px; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 4px; }
button { cursor: pointer; }
#pause[aria-pressed="true"] { color: var(--bg); background: var(--warn); border-color: var(--warn); }
#types { display: flex; flex-wrap: wrap; gap: 6px; padding: 4px 12px; border-bottom: 1px solid var(--line); }
#types:empty { display: none; }
.chip { border-left: 6px solid var(--type-color, var(--muted)); }
.chip[aria-pressed="false"] { opacity: 0.45; text-decoration: line-through; }
main { flex: 1; overflow-y: auto; font: 13px/1.45 ui-monospace, monospace; }
.row { display: grid; grid-template-columns: 7.5em minmax(3em, 6em) minmax(4em, 9em) 1fr; gap: 12px;
  padding: 2px 12px 2px 8px; border-bottom: 1px solid var(--line);
  border-left: 4px solid var(--type-color, transparent); }
.row > * { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.head { position: sticky; top: 0; background: var(--bar); color: var(--muted); font-family: system-ui, sans-serif; }
.time, .id { color: var(--muted); }
.type { color: var(--type-color, var(--muted)); font-weight: 600; }
.data { font: inherit; white-space: pre-wrap; }
@media (max-width: 700px) {
  .row { grid-template-columns: 7.5em minmax(2em, auto) 1fr; gap: 0 12px; }
  .data { grid-column: 1 / -1; }
  .head > :last-child { display: none; } }
#events:empty::before { display: block; padding: 12px; color: var(--muted); content: "No events yet."; }
#jump { position: fixed; right: 18px; bottom: 18px; padding: 4px 12px; box-shadow: 0 1px 4px #0004; }
</style>
</head>
<body>
<header>
  <h1>ssetool <span id="path"></span></h1>
  <span id="state" class="connecting" role="status" aria-live="polite">connecting</span>
  <span id="counts">0 received</span>
  <svg id="chart" viewBox="0 0 60 20" preserveAspectRatio="none" role="img"
       aria-label="events received per second, last 60 seconds"></svg>
  <span id="rate">0/s</span>
  <div class="controls">
    <input id="filter" type="search" placeholder="filter" aria-label="Show only events containing this text">
    <button id="pause" type="button" aria-pressed="false">Pause</button>
    <button id="clear" type="button">Clear</button>
  </div>
</header>
<nav id="types" aria-label="Event types: click to hide or show"></nav>
<main id="scroller">
  <div class="row head"><span>time</span><span>id</span><span>type</span><span>data</span></div>
  <div id="events"></div>
</main>
<button id="jump" type="button" hidden>newest</button>
<noscript>This page needs JavaScript to show the event stream.</noscript>
<script type="application/json" id="config" nonce="@SSETOOL_NONCE@">@SSETOOL_CONFIG@</script>
<script nonce="@SSETOOL_NONCE@">
"use strict";
(() => {
  const MAX_ROWS = 5000;        // rows kept, and events held while paused; older ones are dropped and counted
  const MAX_CHARS = 10000;      // characters of one event's data shown
  const HISTORY_ON_OPEN = 100;  // recent events asked for when the page opens
  const MAX_EVENT_CHARS = 16 * 1024 * 1024;  // one line or one event's data beyond this ends the connection
  const MAX_TYPES = 50;         // types with a chip of their own; the others share one ("other types")
  const MAX_DELAY = 30000;      // longest wait between two connection attempts (ms)
  const CHART_SECONDS = 60;

  const $ = id => document.getElementById(id);
  const config = JSON.parse($("config").textContent);
  const token = new URLSearchParams(location.search).get("access_token");
  const scroller = $("scroller"), list = $("events"), stateEl = $("state"), countsEl = $("counts");
  const filterEl = $("filter"), pauseEl = $("pause"), jumpEl = $("jump"), typesEl = $("types");

  // ---- the SSE parser (WHATWG HTML, "Interpreting an event stream"), fed decoded text ----

  // Thrown when the server sends a line or an event too large to hold: the page drops the connection.
  class TooLarge extends Error {
    constructor(what) { super(what + " over " + MAX_EVENT_CHARS / (1024 * 1024) + " MiB"); }
  }

  class SseParser {
    constructor(onEvent, onRetry) {
      this.onEvent = onEvent;
      this.onRetry = onRetry;
      this.lastId = "";  // the last event ID string: sent as Last-Event-ID on reconnect
      this.reset();
    }

    // A new connection: what was left unfinished by the previous one is dropped.
    reset() {
      this.buffer = "";
      this.skipLF = false;  // the previous text ended in CR: a LF starting the next one ends no line
      this.data = "";
      this.type = "";
      this.idBuffer = this.lastId;
    }

    feed(text) {
      if (this.skipLF && text.startsWith("\n")) text = text.slice(1);
      this.buffer += text;
      const ends = /\r\n|\r|\n/g;
      let start = 0;
      for (let m; (m = ends.exec(this.buffer)) !== null; start = ends.lastIndex) {
        this.line(this.buffer.slice(start, m.index));
      }
      this.skipLF = start > 0 && start === this.buffer.length && this.buffer.endsWith("\r");
      this.buffer = this.buffer.slice(start);
      if (this.buffer.length > MAX_EVENT_CHARS) throw new TooLarge("a line");
    }

    line(line) {
      if (line === "") return this.dispatch();
      if (line.startsWith(":")) return;  // a comment
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.type = value;
      else if (field === "data") {
        this.data += value + "\n";
        if (this.data.length > MAX_EVENT_CHARS) throw new TooLarge("an event");
      }
      else if (field === "id" && !value.includes("\0")) this.idBuffer = value;
      else if (field === "retry" && /^[0-9]+$/.test(value)) this.onRetry(Number(value));
    }

    dispatch() {
      this.lastId = this.idBuffer;
      const data = this.data, type = this.type;
      this.data = this.type = "";
      if (data === "") return;
      this.onEvent({ id: this.lastId, type: type || "message", data: data.slice(0, -1) });
    }
  }

  // ---- connection ----

  const parser = new SseParser(onEvent, ms => { retryDelay = ms; });
  let retryDelay = 1000, attempts = 0, received = 0;
  let problem = null;  // why the last attempt failed: { state, text }

  function setState(name, text) {
    stateEl.className = name;
    stateEl.textContent = text;
  }

  function streamRequest() {
    const headers = { Accept: "text/event-stream" };
    if (token !== null) headers.Authorization = "Bearer " + token;
    let url = config.path;
    if (parser.lastId !== "") headers["Last-Event-ID"] = parser.lastId;
    else if (received === 0) url += "?replay-last=" + HISTORY_ON_OPEN;
    return [url, { headers, cache: "no-store" }];
  }

  async function connect() {
    if (attempts === 0) setState("connecting", "connecting");
    else setState(problem.state, problem.text + "; retrying now");
    let response;
    try {
      response = await fetch(...streamRequest());
    } catch (e) {
      return retryLater("reconnecting", "cannot connect");
    }
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("text/event-stream")) {
      response.body?.cancel().catch(() => {});
      const why = response.ok ? "not an event stream (" + type + ")"
                               : ("HTTP " + response.status + " " + response.statusText).trim();
      return retryLater("failed", why);
    }
    attempts = 0;
    setState("live", "live");
    parser.reset();
    const decoder = new TextDecoder();  // UTF-8; drops a leading BOM
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (e) {
      if (e instanceof TooLarge) {
        reader.cancel().catch(() => {});
        return retryLater("failed", e.message);
      }
      /* else the connection was lost */
    }
    retryLater("reconnecting", "the stream ended");
  }

  function retryLater(state, why) {
    attempts++;
    const delay = Math.min(retryDelay * 2 ** (attempts - 1), MAX_DELAY);
    problem = { state, text: state + " (" + attempts + "): " + why };
    setState(state, problem.text + "; retrying in " + delay / 1000 + " s");
    setTimeout(connect, delay);
  }

  // ---- events, types and rows ----

  const types = new Map();  // type -> { count, shown, chip }; "" -> the one entry of the types beyond MAX_TYPES
  let dropped = 0, unseen = 0, pending = [], scheduled = false, thisSecond = 0;
  let paused = false, follow = true, filterText = "";

  function onEvent(ev) {
    ev.time = new Date();
    received++;
    thisSecond++;
    typeEntry(ev.type).count++;
    pending.push(ev);
    if (pending.length >= 2 * MAX_ROWS) trimPending();
    if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
  }

  // A stable colour for a type: its hue from a hash (FNV-1a) of the name. "message" has none (neutral).
  function typeColor(type) {
    if (type === "message" || type === "") return null;
    let hash = 0x811c9dc5;
    for (const ch of type) hash = Math.imul(hash ^ ch.codePointAt(0), 0x01000193) >>> 0;
    return "hsl(" + (hash % 360) + " 70% var(--type-l))";
  }

  function paint(el, type) {
    const color = typeColor(type);
    if (color) el.style.setProperty("--type-color", color);
  }

  function typeEntry(type) {
    let entry = types.get(type);
    if (entry) return entry;
    if (types.size >= MAX_TYPES && type !== "") return typeEntry("");
    const chip = element("button", "chip", null);
    chip.type = "button";
    chip.dataset.type = type;
    chip.setAttribute("aria-pressed", "true");
    paint(chip, type);
    chip.addEventListener("click", () => {
      entry.shown = !entry.shown;
      chip.setAttribute("aria-pressed", String(entry.shown));
      refilter();
    });
    entry = { count: 0, shown: true, chip };
    types.set(type, entry);
    const sorted = Array.from(types.keys()).filter(t => t !== "").sort();
    const next = type === "" ? null : types.get(sorted[sorted.indexOf(type) + 1]) ?? types.get("");
    typesEl.insertBefore(chip, next?.chip ?? null);
    return entry;
  }

  function trimPending() {
    if (pending.length <= MAX_ROWS) return;
    dropped += pending.length - MAX_ROWS;
    pending = pending.slice(-MAX_ROWS);
  }

  function flush() {
    scheduled = false;
    if (!paused && pending.length > 0) {
      trimPending();
      render(pending);
      pending = [];
    }
    updateCounts();
  }

  function render(batch) {
    const rows = document.createDocumentFragment();
    for (const ev of batch) rows.append(makeRow(ev));
    list.append(rows);
    const excess = list.childElementCount - MAX_ROWS;
    for (let i = 0; i < excess; i++) list.firstElementChild.remove();
    if (excess > 0) dropped += excess;
    if (follow) scroller.scrollTop = scroller.scrollHeight;
    else unseen += batch.length;
    updateJump();
  }

  function makeRow(ev) {
    const row = element("div", "row", null);
    row.dataset.type = ev.type;
    paint(row, ev.type);
    row.append(element("span", "time", clock(ev.time)), element("span", "id", ev.id),
               element("span", "type", ev.type), dataElement(ev.data));
    row.hidden = !matches(row);
    return row;
  }

  // The data as it came, or pretty-printed when it is a JSON object or array; long data is cut.
  function dataElement(data) {
    let text = data, kind = "data";
    if (/^\s*[[{]/.test(data)) {
      try { text = JSON.stringify(JSON.parse(data), null, 2); kind = "data json"; } catch (e) { /* not JSON */ }
    }
    if (text.length > MAX_CHARS)
      text = text.slice(0, MAX_CHARS) + "\n\u2026 " + (text.length - MAX_CHARS) + " more characters not shown";
    return element("pre", kind, text);
  }

  function element(tag, className, text) {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== null) e.textContent = text;
    return e;
  }

  function clock(d) {
    const two = n => String(n).padStart(2, "0");
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds()) + "." +
           String(d.getMilliseconds()).padStart(3, "0");
  }

  function matches(row) {
    if (!(types.get(row.dataset.type) ?? types.get("")).shown) return false;
    if (filterText === "") return true;
    return Array.from(row.children, c => c.textContent).join("\n").toLowerCase().includes(filterText);
  }

  function refilter() {
    for (const row of list.children) row.hidden = !matches(row);
    updateCounts();
  }

  // ---- header ----

  function updateCounts() {
    const parts = [received + " received"];
    const filtering = filterText !== "" || Array.from(types.values()).some(t => !t.shown);
    if (filtering) {
      let shown = 0;
      for (const row of list.children) if (!row.hidden) shown++;
      parts.push(shown + " shown");
    }
    if (paused) parts.push("paused, " + pending.length + " held");
    if (dropped > 0) parts.push(dropped + " older dropped");
    countsEl.textContent = parts.join(" \u00B7 ");
    for (const [type, entry] of types) entry.chip.textContent = (type || "other types") + " " + entry.count;
  }

  function updateJump() {
    jumpEl.hidden = follow;
    jumpEl.textContent = "\u2193 " + (unseen > 0 ? unseen + " new" : "newest");
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 4;
  }

  // The chart: one bar per second, the newest on the right, scaled to the highest of the window.
  const perSecond = new Array(CHART_SECONDS).fill(0);
  const bars = perSecond.map((_, i) => {
    const bar = document.createElementNS($("chart").namespaceURI, "rect");
    bar.setAttribute("x", String(i + 0.1));
    bar.setAttribute("width", "0.8");
    $("chart").append(bar);
    return bar;
  });

  function tickChart() {
    perSecond.shift();
    perSecond.push(thisSecond);
    thisSecond = 0;
    const peak = Math.max(1, ...perSecond);
    perSecond.forEach((n, i) => {
      const height = 20 * n / peak;
      bars[i].setAttribute("y", String(20 - height));
      bars[i].setAttribute("height", String(height));
      bars[i].dataset.count = String(n);
    });
    $("rate").textContent = perSecond[CHART_SECONDS - 1] + "/s (peak " + Math.max(...perSecond) + ")";
  }

  // ---- controls ----

  filterEl.addEventListener("input", () => {
    filterText = filterEl.value.toLowerCase();
    refilter();
  });

  pauseEl.addEventListener("click", () => {
    paused = !paused;
    pauseEl.textContent = paused ? "Resume" : "Pause";
    pauseEl.setAttribute("aria-pressed", String(paused));
    flush();
  });

  $("clear").addEventListener("click", () => {
    list.replaceChildren();
    pending = [];
    dropped = unseen = 0;
    updateJump();
    updateCounts();
  });

  scroller.addEventListener("scroll", () => {
    follow = atBottom();
    if (follow) unseen = 0;
    updateJump();
  });

  jumpEl.addEventListener("click", () => {
    follow = true;
    unseen = 0;
    scroller.scrollTop = scroller.scrollHeight;
    updateJump();
  });

  let shownPath = config.path;
  try { shownPath = decodeURIComponent(config.path); } catch (e) { /* not UTF-8: shown encoded */ }
  $("path").textContent = shownPath;
  document.title = "ssetool " + shownPath;
  tickChart();
  setInterval(tickChart, 1000);
  updateCounts();
  connect();
})();
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view viewer_html_template() { return kPage; }

}  // namespace ssetool
