// Self check-in end to end, in Chromium: the admin publishes an event and puts the venue's
// signed code on a screen (the venue-code page); Hanako answers going and is confirmed. In the
// hall there is no signal: her phone's camera (Chromium's fake capture plays the code) reads the
// venue code, the phone judges it offline and says she is checked in, pending sync. Back online
// the relay admits her: her phone says "checked in", and the admin's check-in page and attendee
// list count her. A code for another purpose and a forged one are refused with a reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";
import { qrVideo, cameraArgs } from "../lib/camera.mjs";
import { SLOW, answerGoing, arrival, publishEvent, standing, ticketText, venueCodeText } from "../lib/events.mjs";

const TITLE = "OB・OG会 セルフチェックイン";
const SHOTS = process.env.TSUNAGU_SCREENSHOTS;

let relay, browser, cameras;
let admin, hanako, hanakoCtx;
let eventPath, venueCode;

before(async () => {
  relay = await Relay.start();
  browser = await launch();
  admin = await (await browser.newContext(DESKTOP)).newPage();
  await signInThroughUi(admin, relay.url, "admin@example.com");
});

after(async () => {
  await cameras?.close();
  await browser?.close();
  await relay?.stop();
});

test("the admin publishes an event and shows its venue code", async () => {
  eventPath = await publishEvent(admin, { title: TITLE, capacity: 10 });
  await admin.goto(relay.url + eventPath);
  await admin.getByTestId("event-venue-code").click();
  venueCode = await venueCodeText(admin);
  assert.match(venueCode, /^TSU2\.[A-Za-z0-9_-]+\./, "the current format, naming its key");
  await admin.getByTestId("venue-qr").waitFor();
  assert.match(await admin.getByTestId("venue-code-event").innerText(), /セルフチェックイン/);
  await admin.getByTestId("venue-code-valid").waitFor();
  if (SHOTS) {
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.screenshot({ path: `${SHOTS}/venue-code.png`, fullPage: true });
    await admin.setViewportSize(DESKTOP.viewport);
  }
});

test("Hanako, confirmed, scans the venue code offline and is checked in, pending sync", async () => {
  cameras = await launch(cameraArgs(qrVideo(venueCode)));
  hanakoCtx = await cameras.newContext(PHONE);
  hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  await answerGoing(hanako, relay.url, eventPath, TITLE);
  await standing(hanako, "confirmed").waitFor(SLOW);
  await ticketText(hanako);

  await hanakoCtx.setOffline(true);
  await hanako.getByTestId("self-checkin-open").click();
  await hanako.getByTestId("camera-start").click();
  await arrival(hanako, "pending").waitFor(SLOW);
  assert.match(await hanako.getByTestId("arrival-done").innerText(), /チェックイン済み/);
  if (SHOTS) {
    await hanako.setViewportSize({ width: 390, height: 844 });
    await hanako.screenshot({ path: `${SHOTS}/self-checkin-pending.png`, fullPage: true });
  }
});

test("back online the relay admits her: her phone, the check-in page and the attendee list say so", async () => {
  await hanakoCtx.setOffline(false);
  await arrival(hanako, "confirmed").waitFor(SLOW);

  await admin.goto(relay.url + eventPath + "/check-in");
  await admin.locator('[data-testid="count-checked-in"]', { hasText: "1" }).waitFor(SLOW);
  assert.equal(await admin.getByTestId("count-not-arrived").innerText(), "0");
  const csv = await admin.context().request.get(`${relay.url}/api${eventPath}/attendees.csv`);
  assert.equal(csv.status(), 200);
  const [header, ...rows] = (await csv.text()).replace(/^\uFEFF/, "").split(/\r?\n/);
  // In the admin's language (the organisation's: Japanese), the time in the event's zone.
  const at = header.split(",").indexOf("受付日時");
  const row = rows.find((line) => line.startsWith("山田 花子,"));
  assert.ok(at >= 0 && row, `Hanako is on the attendee list: ${header} / ${rows}`);
  assert.match(row.split(",")[at], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+09:00$/, `the list says she checked in, in Tokyo time: ${row}`);
  assert.match(csv.headers()["content-disposition"], /attachment; filename="[^"]*"; filename\*=UTF-8''/, "named for the event");
});

test("a ticket and a forged venue code are refused with a reason (typed, offline)", async () => {
  // A second event, so Hanako's page offers the scanner again.
  const other = await publishEvent(admin, { title: TITLE + " 2", capacity: 10 });
  await answerGoing(hanako, relay.url, other, TITLE + " 2");
  await standing(hanako, "confirmed").waitFor(SLOW);
  const ticket = await ticketText(hanako);
  await hanakoCtx.setOffline(true);
  await hanako.getByTestId("self-checkin-open").click();
  const refused = (verdict) => hanako.locator(`[data-testid="arrival-refused"][data-verdict="${verdict}"]`);

  await hanako.getByTestId("venue-code-input").fill(venueCode);
  await hanako.getByTestId("venue-code-check").click();
  await refused("wrong-event").waitFor();

  await hanako.getByTestId("venue-code-input").fill(ticket);
  await hanako.getByTestId("venue-code-check").click();
  await refused("unreadable").waitFor();

  // The signature is the last part (TSU2.<key id>.<body>.<signature>).
  const parts = venueCode.split(".");
  const signature = parts.pop();
  const flipped = signature[5] === "A" ? "B" : "A";
  await hanako.getByTestId("venue-code-input").fill([...parts, signature.slice(0, 5) + flipped + signature.slice(6)].join("."));
  await hanako.getByTestId("venue-code-check").click();
  await refused("forged").waitFor();
  assert.equal(await arrival(hanako, "none").count(), 1, "still not checked in");
  if (SHOTS) await hanako.screenshot({ path: `${SHOTS}/self-checkin-refused.png`, fullPage: true });
  await hanakoCtx.setOffline(false);
});
