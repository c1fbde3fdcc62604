// Shared by the node tests: sign-in against the relay under test, and a JS automerge-repo client
// whose WebSocket carries the session cookie like a browser would.
import Module, { createRequire } from "node:module";
import { dirname } from "node:path";

export const PASSWORD = "tsunagu-demo";

/** Signs in through the relay's API at `base`; returns the session cookie and `Me`. */
export async function signIn(base, email, password = PASSWORD) {
  const res = await fetch(`${base}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`sign-in as ${email} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get("set-cookie").split(";")[0];
  return { cookie, me: await res.json() };
}

// The websocket adapter opens `new WebSocket(url)` from isomorphic-ws, which cannot set headers.
// Browsers send the cookie by themselves; in node we give isomorphic-ws a WebSocket that does.
const cookies = new Map();
const require = createRequire(import.meta.url);
const adapterEntry = require.resolve("@automerge/automerge-repo-network-websocket");
const isoPath = createRequire(adapterEntry).resolve("isomorphic-ws");
const WS = require("ws");
class CookieWebSocket extends WS {
  constructor(url, protocols, options) {
    super(url, protocols, { ...options, headers: { cookie: cookies.get(String(url)) } });
  }
}
const iso = new Module(isoPath);
iso.filename = isoPath;
iso.paths = Module._nodeModulePaths(dirname(isoPath));
iso.exports = CookieWebSocket;
iso.loaded = true;
require.cache[isoPath] = iso;

const { Repo } = await import("@automerge/automerge-repo");
const { WebSocketClientAdapter } = await import("@automerge/automerge-repo-network-websocket");

/** A JS automerge-repo signed in with `cookie`, syncing with the relay at `base` over /sync. */
export function jsRepo(base, cookie, label) {
  const url = `${base.replace(/^http/, "ws")}/sync?client=${encodeURIComponent(label)}`;
  cookies.set(url, cookie);
  const adapter = new WebSocketClientAdapter(url, 500);
  return { repo: new Repo({ network: [adapter] }), adapter };
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function eventually(check, ms = 5000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
