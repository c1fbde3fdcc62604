// Push notifications end to end (docs/design.md §8): Ken's app is closed; Hanako writes to him;
// the relay posts the encrypted notice to the push service (here, one run by the test, which
// decrypts it with the subscription's keys as a browser would); handed to Ken's service worker
// through CDP, it shows a notification that names Hanako and opens the conversation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";
import { PushService, decrypt } from "../lib/push_service.mjs";
import { eventually } from "../lib/automerge_repo.mjs";

let relay, browser, push;

before(async () => {
  push = await PushService.start();
  relay = await Relay.start({ args: ["--push-service", push.origin] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await push?.stop();
});

test("Ken, with the app closed, is notified of Hanako's message, and the notification opens it", async () => {
  const kenCtx = await browser.newContext(PHONE);
  await kenCtx.grantPermissions(["notifications"], { origin: relay.url });
  const ken = await kenCtx.newPage();
  const cdp = await kenCtx.newCDPSession(ken);
  const registrations = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations: r }) => registrations.push(...r));
  await cdp.send("ServiceWorker.enable");
  await signInThroughUi(ken, relay.url, "ken@example.com");
  await ken.getByTestId("nav-messages").click();
  // This browser has the Push API: the screen offers to turn notifications on.
  await ken.waitForSelector("[data-testid=push-state][data-state=off]", { timeout: 15000 });
  // Headless Chromium has no push service of its own to subscribe at, so the test subscribes
  // Ken's phone at the test's, exactly as the app sends a subscription to the relay.
  const { keys, body } = push.subscription("ken-phone");
  const subscribed = await kenCtx.request.put(`${relay.url}/api/push/subscription`, { data: body });
  assert.equal(subscribed.status(), 204);
  await eventually(() => registrations.some((r) => r.scopeURL.startsWith(relay.url)), 15000, "the service worker");
  const registrationId = registrations.find((r) => r.scopeURL.startsWith(relay.url)).registrationId;
  // A push reaches only an active worker: wait until the install (which caches the app) is done.
  await ken.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  // Ken closes the app (a page of the origin that is not the app keeps the CDP session).
  await ken.goto(`${relay.url}/api/closed`);

  const hanakoCtx = await browser.newContext(DESKTOP);
  const hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  await hanako.getByTestId("directory-search").fill("佐藤 健");
  await hanako.getByTestId("person-card").filter({ hasText: "佐藤 健" }).first().click();
  await hanako.getByTestId("person-message").click();
  await hanako.getByTestId("composer").waitFor({ timeout: 15000 });
  await hanako.getByTestId("composer-input").fill("来週の同期会、行きますか？");
  await hanako.getByTestId("send").click();

  const delivered = await push.next();
  assert.equal(delivered.path, "/push/ken-phone");
  assert.equal(delivered.headers["content-encoding"], "aes128gcm");
  assert.match(delivered.headers.authorization, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
  const notice = JSON.parse(decrypt(delivered.body, keys).toString("utf8"));
  assert.equal(notice.kind, "message");
  assert.equal(notice.sender, "山田 花子");
  assert.equal(notice.text, "来週の同期会、行きますか？");

  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin: relay.url,
    registrationId,
    data: JSON.stringify(notice),
  });
  const shown = async () =>
    ken.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration("/");
      const all = await registration.getNotifications();
      return all.map((n) => ({ title: n.title, body: n.body, url: n.data?.url }));
    });
  await eventually(async () => (await shown()).length === 1, 10000, "the notification");
  const [notification] = await shown();
  assert.equal(notification.title, "山田 花子");
  assert.equal(notification.body, "来週の同期会、行きますか？");
  assert.equal(notification.url, `/messages/${notice.conversation}`);

  // The same channel carries event notices (server/tests/push.rs checks the relay sends them):
  // a reminder reads in the phone's language and time zone, and opens the event.
  const event = "4NMNnkMhL8jXrbpgdYTYFdVVzDy4";
  const startsAt = Date.UTC(2030, 0, 15, 10, 0) / 1000;
  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin: relay.url,
    registrationId,
    data: JSON.stringify({ kind: "event", event, title: "新年会", startsAt, about: "hour-before" }),
  });
  await eventually(async () => (await shown()).some((n) => n.title === "新年会"), 10000, "the reminder");
  const reminder = (await shown()).find((n) => n.title === "新年会");
  const time = new Date(startsAt * 1000).toLocaleString("ja-JP", {
    month: "numeric",
    day: "numeric",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
  assert.equal(reminder.body, `まもなく始まります（${time} から）`);
  assert.equal(reminder.url, `/events/${event}`);

  // The notification's link opens the conversation in the app.
  await ken.goto(`${relay.url}${notification.url}`);
  await ken
    .getByTestId("message-text")
    .filter({ hasText: "来週の同期会、行きますか？" })
    .waitFor({ timeout: 20000 });
  await hanakoCtx.close();
  await kenCtx.close();
});
