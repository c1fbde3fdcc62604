// First run: a relay started on an empty database (no --demo) has no organisation and no admin.
// Its sign-in screen says so; it prints a one-time setup link, which whoever installed it opens on
// a computer to name the organisation, choose its language and time zone, and create the first
// admin, who lands signed in on the admin screens. No demo account exists; the link works once.
//
// With TSUNAGU_SCREENSHOTS=<dir> it also saves screenshots of the new screens there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP } from "../lib/browser.mjs";
import { pickZone } from "../lib/events.mjs";

const SHOTS = process.env.TSUNAGU_SCREENSHOTS;
const ADMIN = "sakura.mori@mirai.example";
const PASSWORD = "mirai-first-admin-2026";

let relay, browser, desktop, setupLink;

before(async () => {
  relay = await Relay.start({ demo: false });
  browser = await launch();
  const ctx = await browser.newContext({ ...DESKTOP, viewport: { width: 1440, height: 900 }, locale: "ja-JP" });
  desktop = await ctx.newPage();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

async function shot(page, name) {
  if (!SHOTS) return;
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), scale: "css", fullPage: true });
}

/** The link the relay printed on its console. */
async function printedSetupLink(ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const link = relay.log.join("").match(/https?:\/\/\S+\/#\/setup\/[A-Za-z0-9_-]+/)?.[0];
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no setup link in the relay's output:\n${relay.log.join("")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const post = (path, body) =>
  fetch(`${relay.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("a fresh relay prints a setup link, and its sign-in screen says it is not set up yet", async () => {
  setupLink = await printedSetupLink();
  assert.ok(setupLink.startsWith(relay.url), setupLink);

  const ctx = await browser.newContext({ ...PHONE, viewport: { width: 390, height: 844 } });
  const phone = await ctx.newPage();
  await phone.goto(relay.url);
  const notice = phone.getByTestId("signin-not-set-up");
  await notice.waitFor();
  assert.match(await notice.innerText(), /まだセットアップされていません.*セットアップ用のリンク/s);
  assert.equal(await phone.getByTestId("signin-email").count(), 0, "no sign-in form to try");
  await shot(phone, "phone-signin-not-set-up");
  await ctx.close();
});

test("the setup link opens a form on a computer; the first admin lands signed in on the admin screens", async () => {
  await desktop.goto(setupLink);
  await desktop.getByTestId("setup-form").waitFor();
  assert.match(new URL(desktop.url()).pathname, /^\/setup\//, "the fragment link is routed");
  assert.equal(await desktop.getByTestId("setup-time-zone").inputValue(), "Asia/Tokyo", "Tokyo unless chosen");

  // Said before anything is sent, and what was typed stays.
  await desktop.getByTestId("setup-submit").click();
  assert.match(await desktop.getByTestId("setup-error").innerText(), /組織名を入力してください/);
  await desktop.getByTestId("setup-organisation").fill("株式会社みらい");
  await desktop.getByTestId("setup-organisation-en").fill("Mirai Inc.");
  await desktop.getByTestId("setup-language").selectOption("en");
  await pickZone(desktop, "setup-time-zone", "Berlin", "Europe/Berlin");
  await desktop.getByTestId("setup-admin-name").fill("森 さくら");
  await desktop.getByTestId("setup-admin-email").fill(ADMIN);
  await desktop.getByTestId("setup-password").fill("short");
  await desktop.getByTestId("setup-submit").click();
  assert.match(await desktop.getByTestId("setup-error").innerText(), /10文字以上/);
  assert.equal(await desktop.getByTestId("setup-organisation").inputValue(), "株式会社みらい");

  await desktop.getByTestId("setup-password").fill(PASSWORD);
  await shot(desktop, "desktop-setup");
  await desktop.getByTestId("setup-submit").click();

  await desktop.waitForURL((url) => url.pathname === "/admin", { timeout: 20000 });
  await desktop.getByTestId("nav-admin").waitFor({ timeout: 20000 });
  await desktop.locator(`[data-testid=member-row][data-email="${ADMIN}"]`).waitFor({ timeout: 20000 });

  const network = await (await fetch(`${relay.url}/api/network`)).json();
  assert.deepEqual(network, {
    set_up: true,
    name: "株式会社みらい",
    name_en: "Mirai Inc.",
    language: "en",
    time_zone: "Europe/Berlin",
    demo: false,
    logo: 0,
  });
  const demo = await post("/api/session", { email: "admin@example.com", password: "tsunagu-demo" });
  assert.equal(demo.status, 401, "no demo account on a real network");
});

test("a new event starts in the organisation's time zone", async () => {
  await desktop.goto(`${relay.url}/events/new`);
  const zone = desktop.getByTestId("event-zone-input");
  await zone.waitFor({ timeout: 20000 });
  await desktop.waitForFunction(
    () => document.querySelector("[data-testid=event-zone-input]")?.value === "Europe/Berlin",
    null,
    { timeout: 10000 },
  );
});

test("the admin sets the organisation's logo", async () => {
  await desktop.goto(`${relay.url}/admin/settings`);
  await desktop.getByTestId("logo-settings").waitFor({ timeout: 20000 });
  // One pixel is enough to tell it arrived; the relay checks it is a PNG, JPEG or WebP.
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  await desktop.getByTestId("logo-file").setInputFiles({ name: "not-an-image.svg", mimeType: "image/svg+xml", buffer: Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>") });
  await desktop.getByTestId("logo-error").waitFor();
  await desktop.getByTestId("logo-file").setInputFiles({ name: "mirai.png", mimeType: "image/png", buffer: png });
  await desktop.getByTestId("logo-current").waitFor({ timeout: 20000 });
  assert.ok(await desktop.getByTestId("logo-current").evaluate((img) => img.complete && img.naturalWidth === 1));
});

test("the setup link works once; the sign-in screen then names the organisation", async () => {
  // Signed out, on another device.
  const ctx = await browser.newContext({ ...PHONE, viewport: { width: 390, height: 844 } });
  const phone = await ctx.newPage();
  await phone.goto(setupLink);
  await phone.getByTestId("setup-done").waitFor();
  assert.match(await phone.getByTestId("setup-done").innerText(), /すでにセットアップされています/);
  await shot(phone, "phone-setup-done");

  await phone.goto(relay.url);
  await phone.getByTestId("signin-email").waitFor();
  await phone.waitForFunction(() => document.querySelector("[data-testid=signin-organisation]")?.textContent.includes("株式会社みらい"));
  await phone.getByTestId("language-switch").click();
  await phone.waitForFunction(() => document.querySelector("[data-testid=signin-organisation]")?.textContent.includes("Mirai Inc."));
  assert.equal(await phone.getByTestId("signin-demo-hint").count(), 0, "no demo sign-ins offered on a real network");
  // Its logo beside its name.
  await phone.waitForFunction(() => {
    const img = document.querySelector("[data-testid=signin-logo]");
    return img && img.complete && img.naturalWidth === 1;
  });
  await shot(phone, "phone-signin-organisation");
  await ctx.close();

  // Signed in, as the new admin.
  await desktop.goto(setupLink);
  await desktop.getByTestId("setup-done").waitFor({ timeout: 20000 });

  const token = new URL(setupLink).hash.replace("#/setup/", "");
  const again = await post("/api/setup", {
    token,
    organisation: "別の会社",
    language: "ja",
    time_zone: "Asia/Tokyo",
    admin_name: "誰か",
    admin_email: "someone@example.com",
    admin_password: "another-password-123",
  });
  assert.equal(again.status, 409);
  assert.equal((await again.json()).error, "already-set-up");
});
