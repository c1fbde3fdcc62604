// `cargo xtask bench`: scan to verdict in the browser. A staff phone (headless Chromium, offline)
// points its camera at a real signed ticket — Chromium's fake capture plays the QR code — and the
// check-in page records, on the performance timeline, the time from the camera frame to the
// verdict on screen: the QR decoded in wasm (rqrr; desktop Chromium has no BarcodeDetector), the
// signature verified, the revocation list and the check-in log consulted, the admission written.
// It also times codes typed in (a handheld scanner's path: no image decoding). Prints Markdown.
import { Relay } from "../lib/relay.mjs";
import { launch, DESKTOP, PHONE, signInThroughUi } from "../lib/browser.mjs";
import { qrVideo, cameraArgs } from "../lib/camera.mjs";
import { SLOW, answerGoing, openGate, publishEvent, scanTimings, standing, ticketText } from "../lib/events.mjs";

const CAMERA_SCANS = 5;
const TYPED_SCANS = 30;

const relay = await Relay.start();
const browser = await launch();
let cameras;
try {
  const admin = await (await browser.newContext(DESKTOP)).newPage();
  const hanako = await (await browser.newContext(PHONE)).newPage();
  await signInThroughUi(admin, relay.url, "admin@example.com");
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  const title = "スキャン計測会";
  const path = await publishEvent(admin, { title, capacity: 10 });
  await answerGoing(hanako, relay.url, path, title);
  await standing(hanako, "confirmed").waitFor(SLOW);
  const ticket = await ticketText(hanako);

  cameras = await launch(cameraArgs(qrVideo(ticket)));
  const gate = await openGate(cameras, relay.url, path, "admin@example.com", 1);
  await gate.context.setOffline(true);
  const camera = [];
  for (let i = 0; i < CAMERA_SCANS; i++) {
    // A fresh page each time: the scanner reports a code held in front of it only once.
    if (i > 0) await gate.page.reload();
    await gate.page.getByTestId("camera-start").click();
    await gate.page.getByTestId("verdict").waitFor(SLOW);
    camera.push(...(await scanTimings(gate.page)));
  }
  const typedBefore = (await scanTimings(gate.page)).length;
  for (let i = 0; i < TYPED_SCANS; i++) {
    await gate.page.getByTestId("ticket-code").fill(ticket);
    await gate.page.getByTestId("ticket-code-check").click();
    await gate.page.waitForFunction(
      (n) => performance.getEntriesByName("tsunagu:scan-to-verdict").length >= n,
      typedBefore + i + 1,
    );
  }
  const typed = (await scanTimings(gate.page)).slice(typedBefore);

  const ms = (v) => `${v.toFixed(1)} ms`;
  const stats = (v) => {
    const sorted = [...v].sort((a, b) => a - b);
    return [ms(sorted[Math.floor(sorted.length / 2)]), ms(sorted[0]), ms(sorted[sorted.length - 1])];
  };
  console.log("\n### Scan to verdict in the browser (headless Chromium, phone offline)\n");
  console.log("| path | scans | median | fastest | slowest |\n|---|---:|---:|---:|---:|");
  console.log(`| camera frame → QR decoded in wasm → verdict | ${camera.length} | ${stats(camera).join(" | ")} |`);
  console.log(`| code typed or from a handheld scanner → verdict | ${typed.length} | ${stats(typed).join(" | ")} |`);
} finally {
  await cameras?.close();
  await browser.close();
  await relay.stop();
}
