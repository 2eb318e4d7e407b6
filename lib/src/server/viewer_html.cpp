// The viewer page served at GET / by `ssetool pipe`: the whole document, compiled into the binary so that it works
// offline and needs no other request. It connects to the event stream with EventSource and shows each event as a
// row (time received, id, type, data), newest at the bottom.
//
// How it behaves, in short:
// - Named events: EventSource has no catch-all; it hands an event whose type is not "message" only to a listener
//   added for that exact name. The page listens to "message", to the types the server puts in its configuration
//   (`-e NAME`), to the types in its own URL (`/?events=a,b`), and to any type typed into the "+ event type" box
//   (which also adds it to the URL so a reload keeps it).
// - Token: an `access_token` in the page's URL is passed on in the stream's URL.
// - Connection state: connecting, live, reconnecting (n) while EventSource retries by itself, and failed (n) after
//   an HTTP error, when EventSource gives up: the page then retries with back-off (1 s doubling to 30 s), passing
//   the last id seen as `lastEventId` so that the server resumes where the page left off.
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
  --live: #1a7f37; --warn: #9a6700; --bad: #cf222e; --accent: #0550ae; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --bar: #161b22;
    --live: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #79c0ff; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; background: var(--bg); color: var(--fg);
  font: 14px/1.4 system-ui, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; padding: 8px 12px;
  background: var(--bar); border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 15px; font-weight: 600; }
#path { font-family: ui-monospace, monospace; font-weight: 400; }
#state { font-weight: 600; white-space: nowrap; }
#state::before { content: "\25CF\00A0"; }
#state.connecting, #state.reconnecting { color: var(--warn); }
#state.live { color: var(--live); }
#state.failed { color: var(--bad); }
#counts, #types { color: var(--muted); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-left: auto; }
input, button { font: inherit; padding: 2px 8px; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 4px; }
button { cursor: pointer; }
button[aria-pressed="true"] { color: var(--bg); background: var(--warn); border-color: var(--warn); }
#add-type { width: 9em; }
main { flex: 1; overflow-y: auto; font: 13px/1.45 ui-monospace, monospace; }
.row { display: grid; grid-template-columns: 7.5em minmax(3em, 6em) minmax(4em, 9em) 1fr; gap: 12px;
  padding: 2px 12px; border-bottom: 1px solid var(--line); }
.row > * { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.head { position: sticky; top: 0; background: var(--bar); color: var(--muted); font-family: system-ui, sans-serif; }
.time, .id { color: var(--muted); }
.type { color: var(--accent); }
.data { font: inherit; white-space: pre-wrap; }
.data.json { color: var(--accent); }
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
  <div class="controls">
    <form id="types-form"><span id="types"></span>
      <input id="add-type" placeholder="+ event type" aria-label="Also show events of this type"></form>
    <input id="filter" type="search" placeholder="filter" aria-label="Show only events containing this text">
    <button id="pause" type="button" aria-pressed="false">Pause</button>
    <button id="clear" type="button">Clear</button>
  </div>
</header>
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
  const MAX_ROWS = 5000;    // rows kept, and events held while paused; older ones are dropped and counted
  const MAX_CHARS = 10000;  // characters of one event's data shown

  const config = JSON.parse(document.getElementById("config").textContent);
  const params = new URLSearchParams(location.search);
  const token = params.get("access_token");
  const types = new Set(["message", ...config.events.filter(t => t !== "")]);
  for (const t of (params.get("events") || "").split(",")) if (t.trim() !== "") types.add(t.trim());

  const $ = id => document.getElementById(id);
  const scroller = $("scroller"), list = $("events"), stateEl = $("state"), countsEl = $("counts");
  const filterEl = $("filter"), pauseEl = $("pause"), jumpEl = $("jump"), addTypeEl = $("add-type");

  let source = null, lastId = "", attempts = 0, retryDelay = 1000;
  let received = 0, dropped = 0, unseen = 0, pending = [], scheduled = false;
  let paused = false, follow = true, filterText = "";

  // ---- connection ----

  function streamUrl() {
    const query = new URLSearchParams();
    if (token !== null) query.set("access_token", token);
    if (lastId !== "") query.set("lastEventId", lastId);
    const q = query.toString();
    return config.path + (q ? "?" + q : "");
  }

  function setState(name, text) {
    stateEl.className = name;
    stateEl.textContent = text;
  }

  function connect() {
    if (attempts === 0) setState("connecting", "connecting");
    else setState("reconnecting", "reconnecting (" + attempts + ")");
    source = new EventSource(streamUrl());
    source.onopen = () => { attempts = 0; retryDelay = 1000; setState("live", "live"); };
    source.onerror = onError;
    for (const type of types) source.addEventListener(type, onEvent);
  }

  // EventSource retries by itself after a lost connection (CONNECTING) but gives up after an HTTP error such as
  // 401 or 503 (CLOSED): then the page retries, with back-off, resuming after the last id it saw.
  function onError() {
    attempts++;
    if (source.readyState === EventSource.CLOSED) {
      setState("failed", "failed (" + attempts + "), retrying in " + retryDelay / 1000 + " s");
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    } else {
      setState("reconnecting", "reconnecting (" + attempts + ")");
    }
  }

  function onEvent(event) {
    lastId = event.lastEventId;
    received++;
    pending.push({ time: new Date(), id: event.lastEventId, type: event.type, data: event.data });
    if (pending.length >= 2 * MAX_ROWS) trimPending();
    if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
  }

  // ---- rows ----

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
    if (filterText === "") return true;
    return Array.from(row.children, c => c.textContent).join("\n").toLowerCase().includes(filterText);
  }

  // ---- header ----

  function updateCounts() {
    const parts = [received + " received"];
    if (filterText !== "") {
      let shown = 0;
      for (const row of list.children) if (!row.hidden) shown++;
      parts.push(shown + " match");
    }
    if (paused) parts.push("paused, " + pending.length + " held");
    if (dropped > 0) parts.push(dropped + " older dropped");
    countsEl.textContent = parts.join(" \u00B7 ");
  }

  function updateJump() {
    jumpEl.hidden = follow;
    jumpEl.textContent = "\u2193 " + (unseen > 0 ? unseen + " new" : "newest");
  }

  function showTypes() {
    $("types").textContent = "types: " + Array.from(types).join(", ");
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 4;
  }

  // ---- controls ----

  filterEl.addEventListener("input", () => {
    filterText = filterEl.value.toLowerCase();
    for (const row of list.children) row.hidden = !matches(row);
    updateCounts();
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

  $("types-form").addEventListener("submit", e => {
    e.preventDefault();
    const type = addTypeEl.value.trim();
    addTypeEl.value = "";
    if (type === "" || types.has(type)) return;
    types.add(type);
    source.addEventListener(type, onEvent);
    showTypes();
    const extra = Array.from(types).filter(t => t !== "message" && !config.events.includes(t));
    params.set("events", extra.join(","));
    history.replaceState(null, "", "?" + params.toString() + location.hash);
  });

  let shownPath = config.path;
  try { shownPath = decodeURIComponent(config.path); } catch (e) { /* not UTF-8: shown encoded */ }
  $("path").textContent = shownPath;
  document.title = "ssetool " + shownPath;
  showTypes();
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
