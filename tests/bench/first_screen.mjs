// `cargo xtask bench`: what a phone downloads before its first screen, and how long the directory
// takes to appear, on a throttled mobile connection (headless Chromium, CDP network emulation with
// Lighthouse's "slow 4G": 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up).
//
// - First visit: from navigation to the sign-in form, the bytes the page fetched (as sent on the
//   wire, i.e. brotli where the relay has it), by kind, and the time.
// - Signing in: the bytes until the directory shows (the API calls; sync frames travel on the
//   WebSocket and are measured by the wire bench).
// - Reload: once the service worker holds the app, from navigation to the directory, median of 5.
// Prints Markdown.
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE } from "../lib/browser.mjs";

const SLOW_4G = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1000 * 1000) / 8,
  uploadThroughput: (750 * 1000) / 8,
};
const RELOADS = 5;
const SLOW = { timeout: 120000 };

/** Bytes each finished request took on the wire, from the page's own network events, and
 * whether it was asked for before `mark()` (what the screen shown at that moment needed) or after. */
function recordTraffic(cdp) {
  const urls = new Map();
  const early = new Set();
  let marked = false;
  const finished = [];
  cdp.on("Network.requestWillBeSent", (e) => {
    if (!marked) early.add(e.requestId);
  });
  cdp.on("Network.responseReceived", (e) => urls.set(e.requestId, e.response.url));
  cdp.on("Network.loadingFinished", (e) =>
    finished.push({ url: urls.get(e.requestId) ?? "", bytes: e.encodedDataLength, early: early.has(e.requestId) }),
  );
  return {
    mark() {
      marked = true;
    },
    take() {
      early.clear();
      marked = false;
      return finished.splice(0);
    },
  };
}

function kind(url) {
  const path = new URL(url).pathname;
  for (const ext of ["wasm", "js", "css"]) if (path.endsWith(`.${ext}`)) return ext;
  if (path.startsWith("/api/")) return "api";
  return "other";
}

function sum(requests, kinds) {
  return requests.filter((r) => kinds.includes(kind(r.url))).reduce((n, r) => n + r.bytes, 0);
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const ms = (v) => `${Math.round(v)} ms`;

const relay = await Relay.start();
const browser = await launch();
try {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", SLOW_4G);
  const traffic = recordTraffic(cdp);

  await page.goto(relay.url);
  await page.getByTestId("signin-email").waitFor(SLOW);
  traffic.mark();
  const firstScreenAt = await page.evaluate(() => performance.now());
  // Requests asked for before the form showed belong to the first screen, even if they finish
  // later; what the app asks for afterwards (the chunks of the screens every member opens,
  // fetched in the background) is counted apart.
  await page.waitForLoadState("networkidle");
  const visit = traffic.take();
  const firstScreen = visit.filter((r) => r.early);
  const background = visit.filter((r) => !r.early);

  await page.getByTestId("signin-email").fill("hanako@example.com");
  await page.getByTestId("signin-password").fill("tsunagu-demo");
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("person-card").first().waitFor(SLOW);
  const signingIn = traffic.take();

  // The service worker precaches the rest of the app after the first screen; wait for it.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, SLOW).catch(() => {});

  const reloads = [];
  for (let i = 0; i < RELOADS; i++) {
    await page.reload();
    await page.getByTestId("person-card").first().waitFor(SLOW);
    reloads.push(await page.evaluate(() => performance.now()));
  }
  reloads.sort((a, b) => a - b);

  console.log("\n### First screen on a slow 4G phone (headless Chromium, 150 ms RTT, 1.6 Mbit/s)\n");
  console.log("| | wasm | js | css | all app code | time |\n|---|---:|---:|---:|---:|---:|");
  console.log(
    `| first visit → sign-in form | ${kib(sum(firstScreen, ["wasm"]))} | ${kib(sum(firstScreen, ["js"]))} | ` +
      `${kib(sum(firstScreen, ["css"]))} | ${kib(sum(firstScreen, ["wasm", "js", "css"]))} | ${ms(firstScreenAt)} |`,
  );
  console.log(
    `| then in the background (the chunks every member opens) | ${kib(sum(background, ["wasm"]))} | ` +
      `${kib(sum(background, ["js"]))} | ${kib(sum(background, ["css"]))} | ` +
      `${kib(sum(background, ["wasm", "js", "css"]))} | — |`,
  );
  console.log(
    `| signing in → directory | ${kib(sum(signingIn, ["wasm"]))} | ${kib(sum(signingIn, ["js"]))} | ` +
      `${kib(sum(signingIn, ["css"]))} | ${kib(sum(signingIn, ["wasm", "js", "css"]))} | — |`,
  );
  console.log(
    `| reload (app from the service worker) → directory, median of ${RELOADS} | — | — | — | — | ` +
      `${ms(reloads[Math.floor(reloads.length / 2)])} (${ms(reloads[0])}–${ms(reloads[reloads.length - 1])}) |`,
  );
  console.log(
    `\nAll bytes as sent on the wire (brotli where the relay has it). API calls while signing in: ` +
      `${kib(sum(signingIn, ["api"]))}; other files on the first visit (page, manifest, icons): ` +
      `${kib(sum(firstScreen, ["other"]))}.`,
  );
} finally {
  await browser.close();
  await relay.stop();
}
