// `cargo xtask bench`: a feed of 500 posts of news opened on a phone from its device storage
// after a reload (docs/design.md §13: the phone keeps every post meant for its member). The admin
// starts the posts over the API and publishes them from a JS automerge-repo client; Hanako's
// phone (headless Chromium, the release app) opens the feed once online, then reloads it five
// times. Prints the time from navigation to the first card and to all 500 on screen. Markdown.
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, signInThroughUi } from "../lib/browser.mjs";
import { signIn, jsRepo, eventually } from "../lib/automerge_repo.mjs";

const POSTS = 500;
const RELOADS = 5;
const SLOW = { timeout: 180000 };
const BODY = "## 年末年始のお知らせ\n\n".concat("事務局は12月29日から1月3日までお休みです。".repeat(8));

const relay = await Relay.start();
const browser = await launch();
try {
  const admin = await signIn(relay.url, "admin@example.com");
  const writer = jsRepo(relay.url, admin.cookie, "admin-news");
  const published = [];
  for (let i = 0; i < POSTS; i++) {
    const res = await fetch(`${relay.url}/api/news`, {
      method: "POST",
      headers: { cookie: admin.cookie, "content-type": "application/json" },
      body: JSON.stringify({ title: `お知らせ ${i + 1}`, segment: {} }),
    });
    if (!res.ok) throw new Error(`starting post ${i}: ${res.status} ${await res.text()}`);
    const { post } = await res.json();
    const handle = await writer.repo.find(`automerge:${post}`);
    handle.change((d) => {
      d.body = BODY;
      d.status = "published";
    });
    published.push(post);
  }
  // Every post is out on the relay before the phone asks.
  await eventually(
    async () => {
      const res = await fetch(`${relay.url}/api/news`, { headers: { cookie: admin.cookie } });
      return (await res.json()).filter((r) => r.out_at > 0).length === POSTS;
    },
    120000,
    "every post out",
  );

  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  // When the first card and all of them are on screen, by the page's own clock.
  await page.addInitScript((posts) => {
    const watch = new MutationObserver(() => {
      const cards = document.querySelectorAll("[data-testid=news-card]").length;
      if (cards > 0 && window.__firstCard === undefined) window.__firstCard = performance.now();
      if (cards >= posts) {
        window.__allCards = performance.now();
        watch.disconnect();
      }
    });
    watch.observe(document, { childList: true, subtree: true });
  }, POSTS);
  await signInThroughUi(page, relay.url, "hanako@example.com");
  const opened = Date.now();
  await page.getByTestId("nav-news").click();
  await eventually(async () => (await page.getByTestId("news-card").count()) === POSTS, 180000, "the feed");
  const firstSync = Date.now() - opened;
  await page.waitForSelector("[data-testid=sync-indicator][data-state=online]", SLOW);
  await page.waitForTimeout(3000);

  const first = [];
  const all = [];
  for (let i = 0; i < RELOADS; i++) {
    await page.reload();
    await page.waitForFunction(() => window.__allCards !== undefined, null, SLOW);
    first.push(await page.evaluate(() => window.__firstCard));
    all.push(await page.evaluate(() => window.__allCards));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const list = (xs) => xs.map((t) => t.toFixed(0)).join(", ");

  console.log(`\n### A feed of ${POSTS} posts of news on a phone\n`);
  console.log("| | value |\n|---|---:|");
  console.log(`| first open, synced from the relay, to all ${POSTS} cards | ${firstSync} ms |`);
  console.log(`| reload → first card on screen, from device storage (median of ${RELOADS}; ${list(first)} ms) | ${median(first).toFixed(0)} ms |`);
  console.log(`| reload → all ${POSTS} cards on screen (median of ${RELOADS}; ${list(all)} ms) | ${median(all).toFixed(0)} ms |`);
  writer.repo.shutdown?.();
  await context.close();
} finally {
  await browser.close();
  await relay.stop();
}
process.exit(0);
