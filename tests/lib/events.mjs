// The steps of the events story that the end-to-end test and the scan bench share.
import { PHONE, signInThroughUi } from "./browser.mjs";

export const SLOW = { timeout: 30000 };

/** `ms` (unix milliseconds) as a datetime-local value in Tokyo, the events' default zone. */
export function tokyoLocal(ms) {
  return new Date(ms).toLocaleString("sv-SE", { timeZone: "Asia/Tokyo" }).replace(" ", "T").slice(0, 16);
}

/**
 * The admin (on `page`, signed in) creates an event starting in an hour and publishes it with
 * `capacity` seats; returns its path, `/events/<document id>`. `beforePublish(page)` may fill
 * more of the editor first.
 */
export async function publishEvent(page, { title, capacity, venue = "本社 10F ラウンジ", beforePublish }) {
  await page.getByTestId("nav-events").click();
  await page.getByTestId("new-event").click();
  await page.getByTestId("event-title-input").fill(title);
  const start = Date.now() + 60 * 60 * 1000;
  await page.getByTestId("event-starts-input").fill(tokyoLocal(start));
  await page.getByTestId("event-ends-input").fill(tokyoLocal(start + 2 * 60 * 60 * 1000));
  await page.getByTestId("new-event-submit").click();
  await page.getByTestId("event-form").waitFor(SLOW);
  await page.getByTestId("event-capacity-input").fill(String(capacity));
  await page.getByTestId("event-venue-name-input").fill(venue);
  await beforePublish?.(page);
  // Publishing asks first (a page may already answer every question yes).
  page.once("dialog", (dialog) => dialog.accept().catch(() => {}));
  await page.getByTestId("event-publish").click();
  await page.locator('[data-testid="editor-status"][data-status="published"]').waitFor(SLOW);
  await page.getByTestId("event-published-open").waitFor(SLOW);
  return new URL(page.url()).pathname.replace(/\/edit$/, "");
}

/** The event page's answer section once it says `value` (confirmed, waiting, ...). */
export function standing(page, value) {
  return page.locator(`[data-testid="rsvp"][data-standing="${value}"]`);
}

/** The member on `page` opens the event at `base + path` and answers going. */
export async function answerGoing(page, base, path, title) {
  await page.goto(base + path);
  await page.getByTestId("event-title").filter({ hasText: title }).waitFor(SLOW);
  await page.getByTestId("rsvp-going").click();
}

/** The signed ticket's text, from the event page on `page`. */
export async function ticketText(page) {
  await page.getByTestId("ticket").waitFor(SLOW);
  return (await page.getByTestId("ticket-text").textContent()).trim();
}

/**
 * A staff phone in `browser` (one started with a camera), signed in as `email`, on the check-in
 * page of the event at `path`, once the roster says `confirmed` people are coming.
 */
export async function openGate(browser, base, path, email, confirmed) {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await signInThroughUi(page, base, email);
  await page.goto(base + path + "/check-in");
  await page.locator('[data-testid="count-confirmed"]', { hasText: String(confirmed) }).waitFor(SLOW);
  return { context, page };
}

/** The scan-to-verdict durations the check-in page recorded (milliseconds). */
export function scanTimings(page) {
  return page.evaluate(() => performance.getEntriesByName("tsunagu:scan-to-verdict").map((e) => e.duration));
}

/** The event page's self check-in part once it says `value` (none, pending, confirmed). */
export function arrival(page, value) {
  return page.locator(`[data-testid="arrival"][data-arrival="${value}"]`);
}

/** The signed venue code's text, from the venue-code page on `page`. */
export async function venueCodeText(page) {
  await page.getByTestId("venue-code-text").waitFor({ state: "attached", ...SLOW });
  return (await page.getByTestId("venue-code-text").textContent()).trim();
}

/** Picks `zone` (an IANA name) in the time zone picker `testid` on `page`, found by typing `query`. */
export async function pickZone(page, testid, query, zone) {
  await page.getByTestId(testid).fill(query);
  await page.locator(`[data-testid=zone-option][data-zone="${zone}"]`).click();
}
