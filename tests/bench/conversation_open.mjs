// `cargo xtask bench`: a conversation of 10,000 messages opened on a phone from its device
// storage after a reload (docs/design.md §7: the newest page is what the phone holds and shows).
// Ken's JS automerge-repo client writes the history through the relay, which turns pages every
// 300 messages; Hanako's phone (headless Chromium, the release app) opens the chat, then reloads
// it five times. Prints the time from navigation to the newest message on screen, the messages
// the phone holds and shows, and its memory. Prints Markdown.
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, signInThroughUi } from "../lib/browser.mjs";
import { signIn, jsRepo, eventually } from "../lib/automerge_repo.mjs";

const TOTAL = 10000;
const PER_PAGE = 300;
const PER_CHANGE = 100;
const RELOADS = 5;
const SLOW = { timeout: 120000 };
const NEWEST = `メッセージ ${TOTAL - 1}`;

const relay = await Relay.start();
const browser = await launch();
try {
  const hanako = await signIn(relay.url, "hanako@example.com");
  const ken = await signIn(relay.url, "ken@example.com");
  const started = await fetch(`${relay.url}/api/conversations`, {
    method: "POST",
    headers: { cookie: ken.cookie, "content-type": "application/json" },
    body: JSON.stringify({ members: [hanako.me.user_id] }),
  });
  if (!started.ok) throw new Error(`starting the conversation: ${started.status}`);
  const { conversation } = await started.json();

  // Ken writes the history, 100 messages a change, following the pages the relay turns.
  const writer = jsRepo(relay.url, ken.cookie, "ken-history");
  const conv = await writer.repo.find(`automerge:${conversation}`);
  const t0 = Date.now() - TOTAL * 60_000;
  let written = 0;
  while (written < TOTAL) {
    const pages = conv.doc().pages;
    const page = await writer.repo.find(`automerge:${pages[pages.length - 1]}`);
    const onPage = Object.keys(page.doc().messages?.[ken.me.user_id] ?? {}).length;
    const n = Math.min(PER_CHANGE, PER_PAGE - onPage, TOTAL - written);
    const from = written;
    page.change((d) => {
      for (let i = from; i < from + n; i++) {
        d.messages[ken.me.user_id][`b${i}`] = { text: `メッセージ ${i}`, at: t0 + i * 60_000 };
      }
    });
    written += n;
    if (onPage + n >= PER_PAGE && written < TOTAL) {
      await eventually(() => conv.doc().pages.length > pages.length, 30000, "the next page");
    } else {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const pageCount = conv.doc().pages.length;

  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  // The wasm's linear memory, as the app instantiates it (chunks share it).
  await page.addInitScript(() => {
    for (const name of ["instantiateStreaming", "instantiate"]) {
      const original = WebAssembly[name];
      WebAssembly[name] = async (...args) => {
        const made = await original.apply(WebAssembly, args);
        const memory = (made.instance ?? made).exports?.memory;
        if (memory && !window.__wasmMemory) window.__wasmMemory = memory;
        return made;
      };
    }
  });
  // When the newest message is first on screen, by the page's own clock (0: navigation start).
  await page.addInitScript((newest) => {
    const seen = () => [...document.querySelectorAll("[data-testid=message-text]")].some((t) => t.textContent === newest);
    const watch = new MutationObserver(() => {
      if (seen()) {
        window.__newestShown = performance.now();
        watch.disconnect();
      }
    });
    watch.observe(document, { childList: true, subtree: true });
  }, NEWEST);
  await signInThroughUi(page, relay.url, "hanako@example.com");
  await page.getByTestId("nav-messages").click();
  const firstOpen = Date.now();
  await page.getByTestId("conversation-row").first().click(SLOW);
  await page.getByTestId("message-text").filter({ hasText: NEWEST }).waitFor(SLOW);
  const firstSync = Date.now() - firstOpen;
  // Everything it fetched is stored before the reloads.
  await page.waitForSelector("[data-testid=sync-indicator][data-state=online]", SLOW);
  await page.waitForTimeout(2000);

  const times = [];
  for (let i = 0; i < RELOADS; i++) {
    await page.reload();
    await page.waitForFunction(() => window.__newestShown !== undefined, null, SLOW);
    times.push(await page.evaluate(() => window.__newestShown));
  }
  times.sort((a, b) => a - b);
  const shown = await page.getByTestId("message").count();
  const cdp = await context.newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = await cdp.send("Runtime.getHeapUsage");
  const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

  console.log(`\n### A conversation of ${TOTAL.toLocaleString("en")} messages on a phone\n`);
  console.log("| | value |\n|---|---:|");
  console.log(`| pages the relay turned (${PER_PAGE} messages each) | ${pageCount} |`);
  console.log(`| first open, synced from the relay, to the newest message | ${firstSync} ms |`);
  console.log(
    `| reload → newest message on screen, from device storage (median of ${RELOADS}; ${times
      .map((t) => t.toFixed(0))
      .join(", ")} ms) | ${times[Math.floor(RELOADS / 2)].toFixed(0)} ms |`,
  );
  console.log(`| messages on screen (the pages the phone holds) | ${shown} |`);
  console.log(`| JS heap in use | ${mib(heap.usedSize)} |`);
  const wasm = await page.evaluate(() => window.__wasmMemory?.buffer.byteLength ?? 0);
  console.log(`| wasm linear memory | ${mib(wasm)} |`);
  writer.repo.shutdown?.();
  await context.close();
} finally {
  await browser.close();
  await relay.stop();
}
process.exit(0);
