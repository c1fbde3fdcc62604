// What must never lose a user's work: a full storage quota, a session that ends while edits wait
// to be sent, a wrong password; a start on a connection that opens and never answers (lie-fi);
// and a new version of the app shell being offered, not forced.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, signInThroughUi } from "../lib/browser.mjs";
import { LieFi } from "../lib/lie_fi.mjs";
import { signIn, jsRepo, eventually } from "../lib/automerge_repo.mjs";

let relay, browser, dist;
const repos = [];

before(async () => {
  dist = Relay.copyOfDist();
  relay = await Relay.start({ dist });
  browser = await launch();
});

after(async () => {
  for (const { repo } of repos) await repo.shutdown();
  await browser?.close();
  await relay?.stop();
  rmSync(dist, { recursive: true, force: true });
});

/** Hanako's profile as the relay holds it, read by another member's JS automerge-repo client. */
async function relayCopyOfHanako() {
  const ken = await signIn(relay.url, "ken@example.com");
  const hanako = await signIn(relay.url, "hanako@example.com");
  const client = jsRepo(relay.url, ken.cookie, `ken-check-${repos.length}`);
  repos.push(client);
  return client.repo.find(`automerge:${hanako.me.profile_doc}`);
}

test("a wrong password gets a clear message and the form keeps the email", async () => {
  const page = await (await browser.newContext({ ...PHONE, locale: "en-US" })).newPage();
  await page.goto(relay.url);
  await page.getByTestId("signin-email").fill("hanako@example.com");
  await page.getByTestId("signin-password").fill("not-her-password");
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("signin-error").waitFor();
  assert.match(await page.getByTestId("signin-error").innerText(), /password/i);
  assert.equal(await page.getByTestId("signin-email").inputValue(), "hanako@example.com");
  await page.context().close();
});

test("a full storage quota is shown, and the edit is kept and saved once there is room", async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  // The quota applies only if set before the origin first uses storage.
  await page.goto(`${relay.url}/manifest.webmanifest`);
  await cdp.send("Storage.overrideQuotaForOrigin", { origin: relay.url, quotaSize: 1000 });
  await signInThroughUi(page, relay.url, "hanako@example.com");
  await page.getByTestId("storage-full-banner").waitFor({ timeout: 10000 });

  await page.getByTestId("nav-my-profile").click();
  await page.getByTestId("profile-title").fill("容量不足でも消えない");
  await page.waitForSelector("[data-testid=save-state][data-state=failed]", { timeout: 10000 });
  // Still synced to the relay meanwhile: nothing the user typed is lost.
  const doc = await relayCopyOfHanako();
  await eventually(() => String(doc.doc()?.title) === "容量不足でも消えない", 10000, "the relay to get the edit");

  await cdp.send("Storage.overrideQuotaForOrigin", { origin: relay.url });
  await page.getByTestId("storage-full-banner").waitFor({ state: "detached", timeout: 15000 });
  await page.reload();
  const title = page.getByTestId("profile-title");
  await title.waitFor({ timeout: 15000 });
  assert.equal(await title.inputValue(), "容量不足でも消えない");
  await ctx.close();
});

test("a session that ends while an edit waits asks to sign in again and keeps the edit", async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await signInThroughUi(page, relay.url, "hanako@example.com");
  await page.waitForSelector("[data-testid=sync-indicator][data-state=online]");

  await ctx.setOffline(true);
  await page.getByTestId("nav-my-profile").click();
  await page.getByTestId("profile-location").fill("札幌市（セッション切れ）");
  await page.waitForSelector("[data-testid=save-state][data-state=saved]");
  // Meanwhile the session ends on the relay (expiry, or revoked elsewhere).
  const [session] = (await ctx.cookies()).filter((c) => c.name === "tsunagu_session");
  await fetch(`${relay.url}/api/session`, { method: "DELETE", headers: { cookie: `${session.name}=${session.value}` } });

  await ctx.setOffline(false);
  const banner = page.getByTestId("session-expired-banner");
  await banner.waitFor({ timeout: 20000 });
  // The relay answers: the header says to sign in again, not that the phone is offline.
  assert.equal(await page.getByTestId("sync-indicator").getAttribute("data-state"), "sign-in-again");
  assert.equal(await page.getByTestId("sync-label").innerText(), "再ログイン");
  assert.equal(await page.getByTestId("profile-location").inputValue(), "札幌市（セッション切れ）", "the edit is still there");
  assert.ok(Number(await page.getByTestId("sync-indicator").getAttribute("data-pending")) >= 1);

  await banner.getByTestId("signin-password").fill("tsunagu-demo");
  await banner.getByTestId("signin-submit").click();
  await page.waitForSelector("[data-testid=sync-indicator][data-pending='0']", { timeout: 20000 });
  const doc = await relayCopyOfHanako();
  await eventually(() => String(doc.doc()?.location) === "札幌市（セッション切れ）", 10000, "the relay to get the kept edit");
  await ctx.close();
});

test("on lie-fi the app starts from its cached shell at once and syncs once answers come", async (t) => {
  const liefi = await LieFi.start(relay.url);
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  try {
    await signInThroughUi(page, liefi.url, "hanako@example.com");
    await page.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 20000 });
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const path = new URL(page.url()).pathname;

    // Between stations: every connection opens and hangs.
    liefi.hang();
    const started = Date.now();
    await page.reload({ waitUntil: "commit" });
    await page.getByTestId("person-card").first().waitFor({ timeout: 20000 });
    t.diagnostic(`start on lie-fi, reload to directory: ${Date.now() - started} ms`);
    // The shell came from the cache: the page itself was never asked of the network (the
    // relay's answers the app waits for — who am I, the sync socket — may hang meanwhile).
    const navigations = liefi.swallowed.filter((line) => line.startsWith(`GET ${path} `));
    assert.deepEqual(navigations, [], `the page was fetched over the hanging connection: ${liefi.swallowed}`);
    assert.notEqual(await page.getByTestId("sync-indicator").getAttribute("data-state"), "online");

    // Out of the tunnel: the sync socket gives up its hanging try and gets through.
    liefi.answer();
    await page.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 40000 });
  } finally {
    await ctx.close();
    await liefi.stop();
  }
});

test("a screen whose code cannot be fetched says so, and opens once it can", async () => {
  // No service worker, and the event editor's chunk fails to download: a phone that went offline
  // during its first visit before the app or the service worker had stored it.
  const ctx = await browser.newContext({ ...PHONE, serviceWorkers: "block" });
  const editorChunk = /\/split_staff_screen-[0-9a-f]{10}\.wasm$/;
  const fail = (route) => route.abort("internetdisconnected");
  await ctx.route(editorChunk, fail);
  const page = await ctx.newPage();
  await signInThroughUi(page, relay.url, "admin@example.com");
  await page.goto(`${relay.url}/events/new`);
  const notice = page.getByTestId("screen-not-on-device");
  await notice.waitFor({ timeout: 20000 });
  assert.match(await notice.innerText(), /インターネットにつながってから/);
  await page.getByTestId("nav-directory").click();
  await page.getByTestId("person-card").first().waitFor();

  // The app still works around it; back on the screen, the notice's button loads it once it can.
  await page.goBack();
  await notice.waitFor({ timeout: 20000 });
  await ctx.unroute(editorChunk, fail);
  await notice.getByRole("button").click();
  await page.getByTestId("event-zone-input").waitFor({ timeout: 20000 });
  await ctx.close();
});

test("before the features' code can be fetched the directory works, and conversations come with it", async () => {
  // Ken has a group with Hanako. Her phone signs in for the first time and loses its signal
  // before the chunk with the features' code (events, messages, news) arrives.
  const ken = await signIn(relay.url, "ken@example.com");
  const { me: hanakoMe } = await signIn(relay.url, "hanako@example.com");
  const started = await fetch(`${relay.url}/api/conversations`, {
    method: "POST",
    headers: { cookie: ken.cookie, "content-type": "application/json" },
    body: JSON.stringify({ members: [hanakoMe.user_id], name: "機能のコード待ち" }),
  });
  assert.equal(started.status, 200);

  const ctx = await browser.newContext({ ...PHONE, serviceWorkers: "block" });
  const memberChunk = /\/split_member_screen-[0-9a-f]{10}\.wasm$/;
  const asked = [];
  const fail = (route) => {
    asked.push(route.request().url());
    return route.abort("internetdisconnected");
  };
  await ctx.route(memberChunk, fail);
  const page = await ctx.newPage();
  await signInThroughUi(page, relay.url, "hanako@example.com");
  await page.getByTestId("directory-search").fill("佐藤 健");
  await page.getByTestId("person-card").filter({ hasText: "佐藤 健" }).first().waitFor();
  assert.ok(asked.length > 0, "the features' code was asked for at sign-in");
  await page.getByTestId("nav-messages").click();
  await page.getByTestId("screen-not-on-device").waitFor({ timeout: 20000 });

  // The signal is back: the chunk comes, the conversation is read from the documents the phone
  // synced meanwhile, and the screen opens.
  await ctx.unroute(memberChunk, fail);
  await ctx.setOffline(true);
  await ctx.setOffline(false);
  await page.getByTestId("nav-directory").click();
  await page.getByTestId("nav-messages").click();
  await page.getByTestId("conversation-row").filter({ hasText: "機能のコード待ち" }).waitFor({ timeout: 20000 });
  await ctx.close();
});

test("a newly deployed app shell is offered with a reload button", async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await signInThroughUi(page, relay.url, "hanako@example.com");
  await page.evaluate(() => navigator.serviceWorker.ready);

  // Deploy a new version: the service worker's version changes.
  const sw = join(dist, "sw.js");
  const before = readFileSync(sw, "utf8");
  const after = before.replace(/(const VERSION = ['"])([^'"]+)(['"])/, `$1$2-next$3`);
  assert.notEqual(after, before, "sw.js carries its version");
  writeFileSync(sw, after);
  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
  await page.getByTestId("update-banner").waitFor({ timeout: 15000 });

  const reloaded = page.waitForEvent("load", { timeout: 15000 });
  await page.getByTestId("update-reload").click();
  await reloaded;
  await page.getByTestId("person-card").first().waitFor();
  assert.equal(await page.getByTestId("update-banner").count(), 0);
  const version = await page.evaluate(async () => (await caches.keys()).join(","));
  assert.match(version, /-next/, "the new shell's cache is in use");
  assert.doesNotMatch(version.replace(/[^,]*-next[^,]*/, ""), /tsunagu/, "old shell caches are deleted");
  await ctx.close();
});

test("she downloads everything the organisation holds about her", async () => {
  const ctx = await browser.newContext({ ...PHONE, acceptDownloads: true });
  const page = await ctx.newPage();
  await signInThroughUi(page, relay.url, "hanako@example.com");
  await page.getByTestId("nav-my-profile").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-data").click()]);
  assert.equal(download.suggestedFilename(), "tsunagu-my-data.json");
  const data = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(data.account.email, "hanako@example.com");
  assert.equal(data.documents[0].content.name, "山田 花子");
  await ctx.close();
});
