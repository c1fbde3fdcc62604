// Devices: hanako is signed in on her phone and on a desktop. From the desktop she removes the
// phone; the phone is cut off at once, deletes everything it held (IndexedDB, cached shell) and
// shows the sign-in screen saying why. Then she changes her password on the desktop: the phone
// is asked to sign in again, refuses the old password and takes the new one. Last, she signs
// out everywhere from the phone: the phone empties itself, the desktop asks her to sign in again
// and keeps what it holds.
//
// With TSUNAGU_SCREENSHOTS=<dir>, My profile's password and devices sections are saved there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Relay } from "../lib/relay.mjs";
import { storedChunkCount } from "../lib/inspect.mjs";
import { launch, launchProfile, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";

const SHOTS = process.env.TSUNAGU_SCREENSHOTS;
const NEW_PASSWORD = "hanako-new-password-2026";

let relay, browser, phoneCtx, phone, desktop;

before(async () => {
  relay = await Relay.start();
  browser = await launch();
  phoneCtx = await launchProfile(PHONE);
  phone = phoneCtx.pages()[0] ?? (await phoneCtx.newPage());
  desktop = await (await browser.newContext({ ...DESKTOP, viewport: { width: 1440, height: 900 } })).newPage();
  // Confirmations (sign out everywhere) are answered yes.
  for (const page of [phone, desktop]) page.on("dialog", (dialog) => dialog.accept());
});

after(async () => {
  await phoneCtx?.close();
  await browser?.close();
  await relay?.stop();
});

/** A `meta` entry of the phone's IndexedDB (null if absent). */
const metaOnPhone = (key) =>
  phone.evaluate(
    (key) =>
      new Promise((resolve) => {
        const open = indexedDB.open("tsunagu");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("meta")) return resolve(null);
          const get = db.transaction("meta").objectStore("meta").get(key);
          get.onsuccess = () => resolve(get.result ?? null);
          get.onerror = () => resolve(null);
        };
        open.onerror = () => resolve(null);
      }),
    key,
  );

test("a member sees her devices and removes her phone, which wipes itself", async () => {
  await signInThroughUi(phone, relay.url, "hanako@example.com");
  await phone.waitForSelector("[data-testid=sync-indicator][data-state=online]");
  assert.ok((await storedChunkCount(phone)) >= 60, "the phone holds the directory");
  const storageBefore = await metaOnPhone("storage-id");
  assert.ok(storageBefore, "the phone has a storage id");

  await signInThroughUi(desktop, relay.url, "hanako@example.com");
  await desktop.waitForSelector("[data-testid=sync-indicator][data-state=online]");
  await desktop.getByTestId("nav-my-profile").click();
  await desktop.waitForFunction(() => document.querySelectorAll("[data-testid=device]").length === 2);
  assert.equal(await desktop.locator("[data-testid=device][data-this=true]").count(), 1, "this desktop is marked");
  const other = desktop.locator("[data-testid=device][data-this=false]");
  assert.match(await other.innerText(), /Chrome|Browser/);

  await other.getByTestId("device-remove").click();
  await desktop.locator("[data-testid=device][data-revoked=true]").waitFor({ timeout: 10000 });

  await phone.getByTestId("signin-device-removed").waitFor({ timeout: 15000 });
  assert.equal(await storedChunkCount(phone), 0, "no document is left on the phone");
  assert.equal(await metaOnPhone("me"), null, "nor who was signed in");
  assert.notEqual(await metaOnPhone("storage-id"), storageBefore, "the old device identity is gone");
  // The app shell may be cached again by the service worker: it holds no personal data.
  const cached = await phone.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    }
    return urls;
  });
  assert.ok(!cached.some((u) => u.startsWith("/api/")), `nothing personal is cached: ${cached}`);
  assert.equal(await phone.getByTestId("person-card").count(), 0);

  // Signing in again makes it a new device, which works.
  await signInThroughUi(phone, relay.url, "hanako@example.com");
  await phone.waitForSelector("[data-testid=sync-indicator][data-state=online]");
});

/** Who the relay says is signed in on `page` (null when no one). */
const whoIsSignedIn = (page) =>
  page.evaluate(async () => {
    const res = await fetch("/api/me");
    return res.ok ? (await res.json()).email : null;
  });

test("she changes her password on the desktop; the phone must sign in again, with the new one", async () => {
  await desktop.getByTestId("nav-my-profile").click();
  const section = desktop.getByTestId("change-password");
  await section.getByTestId("new-password").fill("short");
  await section.getByTestId("change-password-submit").click();
  assert.match(await section.getByTestId("change-password-error").innerText(), /at least 10 characters/);

  await section.getByTestId("new-password").fill(NEW_PASSWORD);
  await section.getByTestId("new-password-toggle").click();
  assert.equal(await section.getByTestId("new-password").getAttribute("type"), "text", "shown to check for typos");
  await section.getByTestId("change-password-submit").click();
  await section.getByTestId("password-changed").waitFor({ timeout: 15000 });
  assert.match(await section.getByTestId("password-changed").innerText(), /other devices, sign in again with the new password/);
  assert.equal(await section.getByTestId("new-password").inputValue(), "", "the field is emptied");
  if (SHOTS) {
    await section.scrollIntoViewIfNeeded();
    await desktop.screenshot({ path: join(SHOTS, "desktop-change-password.png") });
  }
  assert.equal(await whoIsSignedIn(desktop), "hanako@example.com", "the desktop that changed it stays signed in");

  // Every other session ended: the phone asks to sign in again and keeps what it holds.
  const banner = phone.getByTestId("session-expired-banner");
  await banner.waitFor({ timeout: 20000 });
  assert.ok((await storedChunkCount(phone)) >= 60, "the phone keeps its documents");
  await banner.getByTestId("signin-password").fill("tsunagu-demo");
  await banner.getByTestId("signin-submit").click();
  await banner.getByTestId("signin-error").waitFor({ timeout: 15000 });
  assert.equal(await whoIsSignedIn(phone), null, "the old password is refused");
  await banner.getByTestId("signin-password").fill(NEW_PASSWORD);
  await banner.getByTestId("signin-submit").click();
  await banner.waitFor({ state: "detached", timeout: 15000 });
  await phone.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 20000 });
  assert.equal(await whoIsSignedIn(phone), "hanako@example.com");
});

test("she signs out everywhere from the phone: it empties itself, the desktop asks to sign in again", async () => {
  await phone.getByTestId("nav-my-profile").click();
  const devices = phone.getByTestId("devices");
  await devices.getByTestId("sign-out-everywhere").scrollIntoViewIfNeeded();
  if (SHOTS) await phone.screenshot({ path: join(SHOTS, "phone-sign-out-everywhere.png") });
  await devices.getByTestId("sign-out-everywhere").click();

  // This device signs out as the ordinary sign-out does: nothing of hers is left on it.
  await phone.getByTestId("signin-email").waitFor({ timeout: 15000 });
  assert.equal(await storedChunkCount(phone), 0, "no document is left on the phone");
  assert.equal(await whoIsSignedIn(phone), null);

  // The desktop's session ended too: it asks her to sign in again, with its data kept.
  const banner = desktop.getByTestId("session-expired-banner");
  await banner.waitFor({ timeout: 20000 });
  assert.equal(await whoIsSignedIn(desktop), null);
  assert.ok((await storedChunkCount(desktop)) >= 60, "the desktop keeps its documents");
  assert.equal(await desktop.getByTestId("profile-name").inputValue(), "山田 花子", "and shows them");
});
