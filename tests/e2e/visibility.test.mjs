// Who sees what, as people use it: Hanako shows her bio to admins only — it never reaches Ken's
// phone (we look inside his IndexedDB), while the admin reads it; her own page marks it and shows
// her profile as an alumnus and as an admin see it. She hides from the directory
// and disappears from Ken's phone. Ken deletes his account; his phone wipes itself and says so.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";
import { deviceHolds, deviceComesToHold } from "../lib/inspect.mjs";

let relay, browser, hanako, ken, admin;
const SECRET = "社内公募への応募を検討中（管理者のみ）";

before(async () => {
  relay = await Relay.start();
  browser = await launch();
  const page = async (options) => (await browser.newContext(options)).newPage();
  [hanako, ken, admin] = await Promise.all([page(PHONE), page(PHONE), page(DESKTOP)]);
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  await signInThroughUi(ken, relay.url, "ken@example.com");
  await signInThroughUi(admin, relay.url, "admin@example.com");
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

/** Waits until the page's edits have reached the relay. */
async function synced(page) {
  await page.getByTestId("save-state").and(page.locator('[data-state="synced"]')).waitFor({ timeout: 20000 });
}

/** Hanako's directory card as `page` shows it. */
const hanakoCard = (page) => page.getByTestId("person-card").filter({ hasText: "山田 花子" });

test("a field shown to admins only reaches the admin and never another alumnus's phone", async () => {
  await hanako.getByTestId("nav-my-profile").click();
  await hanako.getByTestId("visibility-bio").selectOption("admins");
  await hanako.getByTestId("profile-bio").fill(SECRET);
  await synced(hanako);
  // A public edit after it: once Ken's phone shows it, it has everything she sent before.
  await hanako.getByTestId("profile-title").fill("人事企画 マネージャー");
  await synced(hanako);

  await hanakoCard(ken).filter({ hasText: "人事企画 マネージャー" }).waitFor({ timeout: 20000 });
  await hanakoCard(ken).first().click();
  await ken.getByTestId("person-page").waitFor();
  assert.equal(await ken.getByText(SECRET).count(), 0, "not on Ken's screen");
  assert.equal(await deviceHolds(ken, SECRET), false, "not in Ken's IndexedDB, in any form");
  assert.equal(await deviceComesToHold(ken, "人事企画 マネージャー"), true, "while her public title is");

  await hanakoCard(admin).filter({ hasText: "人事企画 マネージャー" }).waitFor({ timeout: 20000 });
  await hanakoCard(admin).first().click();
  await admin.getByText(SECRET).waitFor({ timeout: 20000 });
  assert.equal(await deviceComesToHold(admin, SECRET), true);

  // Her own phone keeps the choice: the selector still says admins after a reload.
  await hanako.reload();
  await hanako.getByTestId("nav-my-profile").click();
  await hanako.getByTestId("profile-bio").waitFor();
  assert.equal(await hanako.getByTestId("visibility-bio").inputValue(), "admins");
  assert.equal(await hanako.getByTestId("profile-bio").inputValue(), SECRET);
});

test("her own page marks the admins-only field, and shows it as others see it", async () => {
  await hanako.getByTestId("edit-preview").click();
  await hanako.getByTestId("view-as").waitFor();
  const mark = hanako.getByTestId("audience-mark-bio");
  assert.equal(await mark.getAttribute("data-audience"), "admins");
  assert.match(await mark.innerText(), /管理者のみ/);
  await hanako.getByTestId("view-as-alumnus").click();
  await hanako.getByTestId("view-as-preview").waitFor();
  assert.equal(await hanako.getByText(SECRET).count(), 0, "an alumnus does not see it");
  assert.equal(await hanako.getByTestId("audience-mark-bio").count(), 0);
  await hanako.getByTestId("view-as-admin").click();
  await hanako.locator("[data-testid=view-as-preview][data-viewer=admin]").getByText(SECRET).waitFor();
  if (process.env.TSUNAGU_SCREENSHOTS) {
    await hanako.getByTestId("view-as-alumnus").click();
    await hanako.screenshot({ path: `${process.env.TSUNAGU_SCREENSHOTS}/phone-view-as-alumnus.png`, fullPage: true });
    await hanako.getByTestId("view-as-me").click();
    await hanako.screenshot({ path: `${process.env.TSUNAGU_SCREENSHOTS}/phone-own-profile-marks.png`, fullPage: true });
  }
});

test("the admin's default visibility moves fields the member never chose for", async () => {
  await admin.getByTestId("nav-admin").click();
  await admin.getByTestId("admin-tab-settings").click();
  await admin.getByTestId("default-visibility-location").selectOption("admins");
  // Hanako's app applies it at its next sync and moves her location out of her public profile;
  // from then on her new values never reach Ken.
  await hanako.getByTestId("nav-my-profile").click();
  await hanako.getByTestId("visibility-location").and(hanako.locator("select")).waitFor();
  await hanako.waitForFunction(
    () => document.querySelector('[data-testid="visibility-location"]')?.value === "admins",
    null,
    { timeout: 20000 },
  );
  await hanako.getByTestId("profile-location").fill("横浜市港北区（新居）");
  await hanako.getByTestId("profile-title").fill("人事企画 部長");
  await synced(hanako);
  await ken.getByTestId("nav-directory").click();
  await hanakoCard(ken).filter({ hasText: "人事企画 部長" }).waitFor({ timeout: 20000 });
  assert.equal(await deviceHolds(ken, "横浜市港北区（新居）"), false);
  await admin.getByTestId("nav-directory").click();
  await hanakoCard(admin).filter({ hasText: "人事企画 部長" }).first().click();
  await admin.getByText("横浜市港北区（新居）").waitFor({ timeout: 20000 });
});

test("a member who hides from the directory disappears from other alumni's phones", async () => {
  const listedcheck = hanako.waitForResponse((r) => r.url().endsWith("/api/me") && r.ok(), { timeout: 20000 });
  await hanako.getByTestId("directory-hidden").check();
  await listedcheck;
  // Ken's app learns who it may read when it next asks the relay (at start and on reconnect).
  await ken.goto(relay.url);
  await ken.getByTestId("person-card").first().waitFor({ timeout: 20000 });
  await ken.waitForFunction(() => !document.body.innerText.includes("山田 花子"), null, { timeout: 20000 });
  assert.equal(await deviceHolds(ken, "人事企画 部長"), false, "her profile left his phone");
  // The admin still sees her.
  await admin.goto(relay.url);
  await hanakoCard(admin).first().waitFor({ timeout: 20000 });

  const listeduncheck = hanako.waitForResponse((r) => r.url().endsWith("/api/me") && r.ok(), { timeout: 20000 });
  await hanako.getByTestId("directory-hidden").uncheck();
  await listeduncheck;
  await ken.goto(relay.url);
  await hanakoCard(ken).first().waitFor({ timeout: 20000 });
});

test("deleting the account wipes the phone and says why", async () => {
  ken.once("dialog", (dialog) => dialog.accept());
  await ken.getByTestId("nav-my-profile").click();
  await ken.getByTestId("delete-account").click();
  await ken.getByTestId("signin-account-deleted").waitFor({ timeout: 20000 });
  assert.equal(await deviceHolds(ken, "山田 花子"), false, "nothing of the directory is left");
  const signIn = await fetch(`${relay.url}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ken@example.com", password: "tsunagu-demo" }),
  });
  assert.equal(signIn.status, 401);
  // Nobody lists him any more.
  await hanako.goto(relay.url);
  await hanako.getByTestId("person-card").first().waitFor({ timeout: 20000 });
  await hanako.waitForFunction(() => !document.body.innerText.includes("佐藤 健"), null, { timeout: 20000 });
});
