// Devices: hanako is signed in on her phone and on a desktop. From the desktop she removes the
// phone; the phone is cut off at once, deletes everything it held (IndexedDB, cached shell) and
// shows the sign-in screen saying why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { storedChunkCount } from "../lib/inspect.mjs";
import { launch, launchProfile, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";

let relay, browser, phoneCtx, phone, desktop;

before(async () => {
  relay = await Relay.start();
  browser = await launch();
  phoneCtx = await launchProfile(PHONE);
  phone = phoneCtx.pages()[0] ?? (await phoneCtx.newPage());
  desktop = await (await browser.newContext(DESKTOP)).newPage();
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
