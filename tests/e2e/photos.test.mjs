// Photos in messages (docs/design.md §10), in the real app against the real relay: Hanako, offline
// on the train, attaches a large picture; her phone shrinks it, keeps it and shows it at once; back
// online it is uploaded beside the message. Ken sees it, full screen on a tap, and still offline
// after a reload (kept on his device). An admin outside the conversation cannot fetch it by id.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP, signInThroughUi, picture } from "../lib/browser.mjs";

let relay, browser;

before(async () => {
  relay = await Relay.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

/** The ids of the photos kept in `page`'s device storage. */
const keptPhotos = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("tsunagu");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const keys = open.result.transaction("photos").objectStore("photos").getAllKeys();
          keys.onsuccess = () => resolve(keys.result);
          keys.onerror = () => reject(keys.error);
        };
      }),
  );

/** The natural size of a loaded `img`, or null while it loads. */
const loaded = (locator) =>
  locator.evaluate((img) => (img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : null));

test("a photo attached offline is shrunk, kept, sent when back online, and seen by the other member only", async () => {
  const hanakoCtx = await browser.newContext(PHONE);
  const hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  await hanako.getByTestId("directory-search").fill("佐藤 健");
  await hanako.getByTestId("person-card").filter({ hasText: "佐藤 健" }).first().click();
  await hanako.getByTestId("person-message").click();
  await hanako.getByTestId("composer").waitFor({ timeout: 15000 });
  await hanako.waitForSelector("[data-testid=sync-indicator][data-state=online]");

  // On the train: a 3000×2000 picture from the camera roll, with a line of text.
  await hanakoCtx.setOffline(true);
  await hanako.waitForSelector("[data-testid=sync-indicator][data-state=offline]");
  await hanako.getByTestId("attach-photo").setInputFiles(await picture(hanako, 3000, 2000));
  await hanako.getByTestId("attached-photos").locator("img").waitFor();
  await hanako.getByTestId("composer-input").fill("同期会の写真です");
  await hanako.getByTestId("send").click();
  const mine = hanako.getByTestId("message").filter({ hasText: "同期会の写真です" });
  await mine.waitFor();
  assert.equal(await mine.getByTestId("message-status").innerText(), "送信中");
  assert.equal(await hanako.getByTestId("attached-photos").count(), 0, "the composer empties");
  // Shown from her phone at once, shrunk to 1600 px on its long edge.
  const hers = mine.getByTestId("message-photo").locator("img");
  await hers.waitFor();
  await hanako.waitForFunction((img) => img.complete && img.naturalWidth > 0, await hers.elementHandle());
  assert.deepEqual(await loaded(hers), [1600, 1067]);
  const [id] = await keptPhotos(hanako);
  assert.match(id, /^[0-9a-f]{64}$/);

  // Back online: the message is sent and the photo uploaded.
  await hanakoCtx.setOffline(false);
  await hanako.waitForFunction(
    () => [...document.querySelectorAll("[data-testid=message-status]")].every((s) => s.textContent !== "送信中"),
    null,
    { timeout: 20000 },
  );

  // Ken sees it, and full screen on a tap.
  const kenCtx = await browser.newContext(DESKTOP);
  const ken = await kenCtx.newPage();
  await signInThroughUi(ken, relay.url, "ken@example.com");
  await ken.getByTestId("nav-messages").click();
  await ken.getByTestId("conversation-row").first().click();
  const his = ken.getByTestId("message").filter({ hasText: "同期会の写真です" }).getByTestId("message-photo");
  await his.locator("img").waitFor({ timeout: 20000 });
  await ken.waitForFunction((img) => img.complete && img.naturalWidth > 0, await his.locator("img").elementHandle(), {
    timeout: 20000,
  });
  assert.deepEqual(await loaded(his.locator("img")), [1600, 1067]);
  await his.click();
  await ken.getByTestId("photo-viewer").waitFor();
  await ken.getByTestId("photo-viewer").click();
  await ken.getByTestId("photo-viewer").waitFor({ state: "detached" });
  assert.deepEqual(await keptPhotos(ken), [id], "kept on his device");

  // He answers with a photo alone: her list says so.
  await ken.getByTestId("attach-photo").setInputFiles(await picture(ken, 800, 600));
  await ken.getByTestId("attached-photos").locator("img").waitFor();
  await ken.getByTestId("send").click();
  await hanako.getByTestId("message-photo").nth(1).locator("img").waitFor({ timeout: 20000 });
  await hanako.getByTestId("chat-back").click();
  await hanako
    .getByTestId("conversation-row")
    .first()
    .filter({ hasText: "📷 写真" })
    .waitFor({ timeout: 15000 });

  // An admin outside the conversation cannot fetch it, though she knows its id.
  const yukiCtx = await browser.newContext(DESKTOP);
  const yuki = await yukiCtx.newPage();
  await signInThroughUi(yuki, relay.url, "admin@example.com");
  const status = await yuki.evaluate(async (id) => (await fetch(`/api/photos/${id}`)).status, id);
  assert.equal(status, 404);

  // Offline, after a reload, his phone still shows it.
  await kenCtx.setOffline(true);
  await ken.reload();
  const again = ken.getByTestId("message").filter({ hasText: "同期会の写真です" }).getByTestId("message-photo").locator("img");
  await again.waitFor({ timeout: 15000 });
  await ken.waitForFunction((img) => img.complete && img.naturalWidth > 0, await again.elementHandle(), {
    timeout: 15000,
  });
  await hanakoCtx.close();
  await kenCtx.close();
  await yukiCtx.close();
});

test("a profile photo chosen on My profile shows in the directory and on the person's page, offline too", async () => {
  const hanakoCtx = await browser.newContext(PHONE);
  const hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  await hanako.getByTestId("nav-my-profile").click();
  await hanako.getByTestId("profile-photo-input").setInputFiles(await picture(hanako, 1200, 900));
  // Her own avatar shows it at once, cut to its middle square.
  const own = hanako.getByTestId("profile-photo").getByTestId("avatar-photo");
  await own.waitFor();
  await hanako.waitForFunction((img) => img.complete && img.naturalWidth > 0, await own.elementHandle());
  assert.deepEqual(await loaded(own), [512, 512]);
  await hanako.getByTestId("profile-photo-remove").waitFor();
  await hanako.waitForSelector("[data-testid=save-state][data-state=synced]", { timeout: 20000 });

  const kenCtx = await browser.newContext(PHONE);
  const ken = await kenCtx.newPage();
  await signInThroughUi(ken, relay.url, "ken@example.com");
  await ken.getByTestId("directory-search").fill("山田 花子");
  const card = ken.getByTestId("person-card").filter({ hasText: "山田 花子" }).first();
  await card.getByTestId("avatar-photo").waitFor({ timeout: 20000 });
  await card.click();
  await ken.locator(".person-header [data-testid=avatar-photo]").waitFor({ timeout: 15000 });

  // Kept on his phone: offline after a reload, her face is still there.
  await kenCtx.setOffline(true);
  await ken.reload();
  await ken.locator(".person-header [data-testid=avatar-photo]").waitFor({ timeout: 15000 });

  // Removed, it leaves his directory once synced; her initial shows again.
  await kenCtx.setOffline(false);
  await hanako.getByTestId("profile-photo-remove").click();
  await hanako.getByTestId("profile-photo").getByTestId("avatar-photo").waitFor({ state: "detached" });
  await ken.locator(".person-header .avatar[data-photo=false]").waitFor({ timeout: 20000 });
  await hanakoCtx.close();
  await kenCtx.close();
});
