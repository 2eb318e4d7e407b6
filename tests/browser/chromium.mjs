// A minimal headless Chromium driver for the browser tests: starts Chromium with --remote-debugging-pipe and
// speaks the Chrome DevTools Protocol over that pipe (JSON messages ended by NUL, commands on the child's fd 3,
// replies and events on its fd 4). No npm packages: Node's standard library only.
//
//   const browser = await Chromium.launch();
//   const page = await browser.newPage();
//   await page.goto("http://127.0.0.1:8080/");
//   await page.waitFor("document.querySelectorAll('.row').length > 2", 5000, "three rows");
//   await page.interceptRequests("*/events*", request => console.log(request.headers));
//   await browser.close();
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// The Chromium executable: $CHROMIUM, else the first of the usual Debian/Ubuntu names found.
export function findChromium() {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find(p => p && fs.existsSync(p)) ?? null;
}

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
               "--window-size=1100,700", "--remote-debugging-pipe"];

export class Chromium {
  static async launch({ executable = findChromium() } = {}) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ssetool-chromium-"));
    const child = spawn(executable, [...FLAGS, `--user-data-dir=${profile}`, "about:blank"],
                        { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    const browser = new Chromium(child, profile);
    await browser.send("Target.setDiscoverTargets", { discover: true });
    return browser;
  }

  constructor(child, profile) {
    this.child = child;
    this.profile = profile;
    this.nextId = 1;
    this.calls = new Map();       // id -> {resolve, reject, method}
    this.listeners = new Set();   // (message) => void, for events
    this.stderr = "";
    this.exited = new Promise(resolve => child.on("exit", resolve));
    child.stderr.on("data", chunk => { this.stderr = (this.stderr + chunk).slice(-8000); });
    let buffer = "";
    child.stdio[4].on("data", chunk => {
      buffer += chunk.toString("utf8");
      let end;
      while ((end = buffer.indexOf("\0")) >= 0) {
        this.receive(JSON.parse(buffer.slice(0, end)));
        buffer = buffer.slice(end + 1);
      }
    });
    this.exited.then(() => {
      for (const call of this.calls.values()) call.reject(new Error(`chromium exited during ${call.method}`));
      this.calls.clear();
    });
  }

  receive(message) {
    if (message.id === undefined) {
      for (const listener of this.listeners) listener(message);
      return;
    }
    const call = this.calls.get(message.id);
    this.calls.delete(message.id);
    if (!call) return;
    if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
    else call.resolve(message.result);
  }

  // Sends one command (to a page when sessionId is given) and resolves with its result.
  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject, method });
      this.child.stdio[3].write(JSON.stringify(message) + "\0");
    });
  }

  // Resolves with the first event `method` (of `sessionId`) for which `accept(params)` is true.
  nextEvent(method, sessionId, accept = () => true) {
    return new Promise(resolve => {
      const listener = message => {
        if (message.method === method && message.sessionId === sessionId && accept(message.params)) {
          this.listeners.delete(listener);
          resolve(message.params);
        }
      };
      this.listeners.add(listener);
    });
  }

  async newPage() {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.enable();
    return page;
  }

  async close() {
    const timeout = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    this.send("Browser.close").catch(() => {});
    await this.exited;
    clearTimeout(timeout);
    fs.rmSync(this.profile, { recursive: true, force: true });
  }

  // SIGKILL does not wait for the browser to die: its processes may still write the profile while it is removed.
  kill() {
    this.child.kill("SIGKILL");
    fs.rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

export class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
    this.problems = [];  // uncaught exceptions and script or security errors in the page
    browser.listeners.add(message => {
      if (message.sessionId !== sessionId) return;
      if (message.method === "Runtime.exceptionThrown") {
        const d = message.params.exceptionDetails;
        this.problems.push(`exception: ${d.exception?.description ?? d.text}`);
      } else if (message.method === "Log.entryAdded") {
        const e = message.params.entry;
        if (e.level === "error" && e.source !== "network") this.problems.push(`${e.source}: ${e.text}`);
      }
    });
  }

  send(method, params = {}) { return this.browser.send(method, params, this.sessionId); }

  async enable() {
    await Promise.all([this.send("Page.enable"), this.send("Runtime.enable"), this.send("Log.enable")]);
  }

  async goto(url) {
    const loaded = this.browser.nextEvent("Page.loadEventFired", this.sessionId);
    const { errorText } = await this.send("Page.navigate", { url });
    if (errorText) throw new Error(`navigating to ${url}: ${errorText}`);
    await loaded;
  }

  // The value of a JavaScript expression in the page (awaited if it is a promise).
  async evaluate(expression) {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate",
      { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description}`);
    return result.value;
  }

  // Waits until `expression` is truthy in the page, checking it whenever the DOM changes (a MutationObserver), and
  // returns its value; throws naming `what` after timeoutMs.
  async waitFor(expression, timeoutMs, what) {
    const value = await this.evaluate(`new Promise(resolve => {
      const check = () => { try { return (${expression}); } catch (e) { return undefined; } };
      const done = value => { observer.disconnect(); clearTimeout(timer); resolve(value); };
      const observer = new MutationObserver(() => { const v = check(); if (v) done(v); });
      const timer = setTimeout(() => done(null), ${timeoutMs});
      observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      const v = check();
      if (v) done(v);
    })`);
    if (!value) {
      const state = await this.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''");
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the page shows:\n${state}`);
    }
    return value;
  }

  // Pauses every request whose URL matches `urlPattern` (a DevTools Fetch pattern: * and ? wildcards) and hands
  // it, as {url, method, headers}, to `onRequest`; the request goes on once what onRequest returns has resolved.
  async interceptRequests(urlPattern, onRequest) {
    this.browser.listeners.add(async message => {
      if (message.sessionId !== this.sessionId || message.method !== "Fetch.requestPaused") return;
      const { requestId, request } = message.params;
      try {
        await onRequest(request);
      } finally {
        this.send("Fetch.continueRequest", { requestId }).catch(() => {});
      }
    });
    await this.send("Fetch.enable", { patterns: [{ urlPattern, requestStage: "Request" }] });
  }

  async screenshot(file) {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(file, Buffer.from(data, "base64"));
  }
}
