// Reads COUNT events from each URL with the npm `eventsource` client (the WHATWG EventSource for Node), all at
// once, then prints one JSON line per URL: {"url": URL, "events": [[lastEventId, data], ...]}. Prints "connected"
// on stderr once every stream is open. Exits 1 (saying why) when they do not all arrive within 20 s.
//   node read_events.mjs COUNT URL...
import { EventSource } from "eventsource";

const [count, ...urls] = [Number(process.argv[2]), ...process.argv.slice(3)];
const got = new Map(urls.map((u) => [u, []]));
let open = 0;
const sources = [];
const timer = setTimeout(() => {
  console.error(`read_events: not every event within 20 s: ${JSON.stringify([...got.values()].map((e) => e.length))}`);
  process.exit(1);
}, 20000);

function finishIfDone() {
  if ([...got.values()].some((events) => events.length < count)) return;
  clearTimeout(timer);
  for (const s of sources) s.close();
  for (const [url, events] of got) console.log(JSON.stringify({ url, events }));
  process.exit(0);
}

for (const url of urls) {
  const source = new EventSource(url);
  sources.push(source);
  source.onopen = () => {
    if (++open === urls.length) console.error("connected");
  };
  source.onmessage = (event) => {
    const events = got.get(url);
    if (events.length < count) events.push([event.lastEventId, event.data]);
    finishIfDone();
  };
}
