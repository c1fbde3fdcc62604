// The walking skeleton's user story, end to end in Chromium against the real relay:
// hanako signs in on a phone, edits her profile, searches the directory, the app is installable,
// she goes offline (the relay is killed too), keeps editing and searching, reloads while offline,
// comes back online — and ken, in another browser, sees her changes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { launch, launchProfile, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";

let relay, browser, phoneCtx, desktopCtx, phone, desktop;
const stamp = Date.now().toString(36);

before(async () => {
  relay = await Relay.start();
  browser = await launch();
  phoneCtx = await launchProfile(PHONE);
  desktopCtx = await browser.newContext(DESKTOP);
  phone = phoneCtx.pages()[0] ?? (await phoneCtx.newPage());
  desktop = await desktopCtx.newPage();
  for (const p of [phone, desktop]) p.on("pageerror", (e) => console.error("page error:", e.message));
});

after(async () => {
  await phoneCtx?.close();
  await browser?.close();
  await relay?.stop();
});

const sync = (page) => page.getByTestId("sync-indicator");
const waitForSync = (page, state, timeout = 15000) =>
  page.waitForSelector(`[data-testid=sync-indicator][data-state=${state}]`, { timeout });

test("the manifest is valid and its icons are real PNGs of the declared sizes", async () => {
  const res = await fetch(`${relay.url}/manifest.webmanifest`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /manifest\+json|json/);
  const m = await res.json();
  assert.ok(m.name && m.short_name, "name and short_name");
  assert.equal(m.display, "standalone");
  assert.equal(m.lang, "ja");
  assert.equal(m.start_url, "/");
  assert.match(m.theme_color, /^#[0-9a-f]{6}$/i);
  const sizes = m.icons.map((i) => i.sizes);
  assert.ok(sizes.includes("192x192") && sizes.includes("512x512"), `icon sizes ${sizes}`);
  assert.ok(m.icons.some((i) => (i.purpose ?? "").includes("maskable")), "a maskable icon");
  for (const icon of m.icons) {
    const png = Buffer.from(await (await fetch(new URL(icon.src, relay.url))).arrayBuffer());
    assert.equal(png.subarray(1, 4).toString(), "PNG", `${icon.src} is a PNG`);
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.equal(`${w}x${h}`, icon.sizes, `${icon.src} dimensions`);
  }
});

test("hanako signs in on a phone and sees the directory", async () => {
  await signInThroughUi(phone, relay.url, "hanako@example.com");
  // Profiles appear as they arrive; the whole seeded directory is there once the first sync ends.
  await phone.waitForFunction(
    () => document.querySelectorAll('[data-testid="person-card"]').length >= 60,
    null,
    { timeout: 20000 },
  );
  await waitForSync(phone, "online");
});

test("the service worker controls the page and the app is installable", async () => {
  const active = await phone.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return reg.active?.state;
  });
  assert.equal(active, "activated");
  await phone.reload();
  await phone.getByTestId("person-card").first().waitFor();
  assert.ok(await phone.evaluate(() => navigator.serviceWorker.controller !== null), "controlled after reload");
  const cdp = await phoneCtx.newCDPSession(phone);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  assert.deepEqual(installabilityErrors, [], "Chromium's install criteria");
});

test("she edits her profile and ken, in another browser, sees it", async () => {
  await phone.getByTestId("nav-my-profile").click();
  await phone.getByTestId("profile-employer").fill(`つなぐ研究所 ${stamp}`);
  await phone.waitForSelector("[data-testid=save-state][data-state=synced]", { timeout: 10000 });

  await signInThroughUi(desktop, relay.url, "ken@example.com");
  await desktop.getByTestId("directory-search").fill("山田 花子");
  await desktop.getByTestId("person-card").first().click();
  await desktop.getByTestId("person-page").getByText(`つなぐ研究所 ${stamp}`).waitFor({ timeout: 5000 });
});

test("offline, she keeps editing and searching, and a reload still starts the app", async () => {
  await relay.kill();
  await phoneCtx.setOffline(true);
  await waitForSync(phone, "offline");

  await phone.getByTestId("nav-my-profile").click();
  await phone.getByTestId("profile-title").fill(`オフライン編集 ${stamp}`);
  await phone.waitForSelector("[data-testid=save-state][data-state=saved]", { timeout: 10000 });
  assert.ok(Number(await sync(phone).getAttribute("data-pending")) >= 1, "a change waits to be sent");

  await phone.getByTestId("nav-directory").click();
  for (const query of ["ヤマダ", "ﾔﾏﾀﾞ", "yamada hanako"]) {
    await phone.getByTestId("directory-search").fill(query);
    await phone.getByTestId("person-card").filter({ hasText: "山田 花子" }).first().waitFor({ timeout: 5000 });
  }

  await phone.reload();
  await phone.getByTestId("nav-my-profile").click();
  const title = phone.getByTestId("profile-title");
  await title.waitFor({ timeout: 15000 });
  assert.equal(await title.inputValue(), `オフライン編集 ${stamp}`, "the offline edit survives the reload");
  await waitForSync(phone, "offline");
  assert.ok(Number(await sync(phone).getAttribute("data-pending")) >= 1, "still waiting after the reload");
});

test("back online, her offline edit reaches ken", async () => {
  await relay.up();
  await waitForSync(desktop, "online", 45000); // ken's app reconnects on its own back-off
  const started = Date.now();
  await phoneCtx.setOffline(false);
  await desktop.getByTestId("person-page").getByText(`オフライン編集 ${stamp}`).waitFor({ timeout: 10000 });
  console.log(`# ken saw hanako's offline edit ${Date.now() - started} ms after she came back online`);
  await waitForSync(phone, "online");
  assert.equal(await sync(phone).getAttribute("data-pending"), "0");
});
