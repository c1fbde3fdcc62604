// Joining: an admin imports leavers from the HR system's Shift_JIS CSV, invites one from Members;
// the invitation arrives by mail (a real SMTP server), the leaver opens it on their phone, sets a
// password and is in. A field they show to admins only never reaches another alumna's phone (we
// look inside her IndexedDB). The admin then removes that phone, which wipes itself. Someone without an
// invitation applies and is approved. A leaver HR imported applies, is not let in by the match
// alone, and joins by confirming from the link mailed to the address on record. An alumna sees no
// admin screens, and is refused at their URL.
//
// With TSUNAGU_SCREENSHOTS=<dir> it also saves screenshots of the new screens there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Relay } from "../lib/relay.mjs";
import { SmtpSink } from "../lib/smtp.mjs";
import { launch, launchProfile, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";
import { deviceHolds, storedChunkCount } from "../lib/inspect.mjs";
import { eventually } from "../lib/automerge_repo.mjs";

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/leavers_sjis.csv");
const SHOTS = process.env.TSUNAGU_SCREENSHOTS;
const NEWCOMER = "ichiro.suzuki@example.com";
const NEW_PASSWORD = "ichiro-2024-spring";

let smtp, relay, browser, desktop, phoneCtx, phone;

before(async () => {
  smtp = await SmtpSink.start();
  relay = await Relay.start({ args: ["--smtp-url", smtp.url, "--mail-from", "tsunagu <alumni@example.com>"] });
  browser = await launch();
  desktop = await (await browser.newContext({ ...DESKTOP, locale: "ja-JP" })).newPage();
  phoneCtx = await launchProfile({ ...PHONE, viewport: { width: 390, height: 844 } });
  phone = phoneCtx.pages()[0] ?? (await phoneCtx.newPage());
  // Confirmations (suspend, remove a device, …) are answered yes.
  desktop.on("dialog", (d) => d.accept());
});

after(async () => {
  await phoneCtx?.close();
  await browser?.close();
  await relay?.stop();
  await smtp?.stop();
});

async function shot(page, name) {
  if (!SHOTS) return;
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), scale: "css" });
}

const memberRow = (email) => desktop.locator(`[data-testid=member-row][data-email="${email}"]`);

test("an admin imports a Shift_JIS HR export, previewing it with its errors first", async () => {
  await signInThroughUi(desktop, relay.url, "admin@example.com");
  await desktop.getByTestId("nav-admin").click();
  await desktop.getByTestId("members-table").waitFor();
  await shot(desktop, "desktop-admin-members");

  await desktop.getByTestId("admin-tab-import").click();
  await desktop.getByTestId("import-file").setInputFiles(FIXTURE);
  const preview = desktop.getByTestId("import-preview");
  await preview.waitFor();
  assert.match(await preview.innerText(), /Shift_JIS/);
  assert.equal(await desktop.locator("[data-testid=import-row][data-action=new]").count(), 2);
  assert.match(await preview.innerText(), /鈴木 一郎/, "Japanese read right from Shift_JIS");
  const error = desktop.locator("[data-testid=import-error]");
  assert.equal(await error.count(), 1);
  assert.equal(await error.getAttribute("data-line"), "3");
  assert.match(await error.innerText(), /3行目.*メールアドレス.*形式が正しくありません/);
  await shot(desktop, "desktop-admin-import-preview");

  await desktop.getByTestId("import-confirm").click();
  await desktop.getByTestId("import-result").waitFor();
  assert.equal(await desktop.getByTestId("import-count-new").innerText(), "2");
});

test("the admin invites a leaver, who registers on their phone from the mailed link", async () => {
  await desktop.getByTestId("import-to-members").click();
  await memberRow(NEWCOMER).waitFor();
  assert.equal(await memberRow(NEWCOMER).getAttribute("data-status"), "imported");
  // Invited through the bulk action (selected, then "invite selected", asked first): the same
  // invitation as the row's own button.
  await memberRow(NEWCOMER).getByTestId("member-select").check();
  const bulk = desktop.getByTestId("members-invite-selected");
  assert.match(await bulk.innerText(), /1/);
  await bulk.click();
  const result = desktop.getByTestId("invitation-result");
  await result.waitFor();
  assert.equal(await result.getAttribute("data-sent"), "true");
  assert.match(await result.innerText(), /ichiro\.suzuki@example\.com/);
  await shot(desktop, "desktop-admin-invited");

  const mail = await smtp.waitFor(/ichiro\.suzuki@example\.com/);
  const link = mail.text.match(/https?:\/\/\S+\/#\/join\/[A-Za-z0-9_-]+/)?.[0];
  assert.ok(link, `an invitation link in the mail:\n${mail.text}`);
  assert.ok(link.startsWith(relay.url), link);

  await phone.goto(link);
  await phone.getByTestId("join-invitee").waitFor();
  assert.equal(await phone.getByTestId("join-name").innerText(), "鈴木 一郎");
  assert.equal(await phone.getByTestId("join-email").innerText(), NEWCOMER);
  assert.match(new URL(phone.url()).pathname, /^\/join\//, "the fragment link is routed");

  // Too short: said before anything is sent, and what was typed stays.
  await phone.getByTestId("join-password").fill("short");
  await phone.getByTestId("join-submit").click();
  await phone.getByTestId("join-error").waitFor();
  assert.match(await phone.getByTestId("join-error").innerText(), /10文字以上/);

  await phone.getByTestId("join-password").fill(NEW_PASSWORD);
  await phone.getByTestId("join-password-toggle").click();
  assert.equal(await phone.getByTestId("join-password").getAttribute("type"), "text");
  await shot(phone, "phone-join");
  await phone.getByTestId("join-submit").click();

  // Signed in, on their own profile, syncing the directory.
  await phone.getByTestId("nav-my-profile").waitFor({ timeout: 20000 });
  await phone.waitForURL((url) => url.pathname === "/me");
  await phone.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 20000 });
  // Welcomed; the meter counts what HR's record brought (name, reading, department) and says
  // what to add next. Closed, the welcome stays closed.
  await phone.getByTestId("welcome").waitFor({ timeout: 20000 });
  assert.equal(await phone.getByTestId("profile-completeness").getAttribute("data-done"), "2");
  await shot(phone, "phone-welcome");
  await phone.getByTestId("welcome-close").click();
  await phone.getByTestId("welcome").waitFor({ state: "detached" });
  await phone.reload();
  await phone.getByTestId("profile-completeness").waitFor({ timeout: 20000 });
  assert.equal(await phone.getByTestId("welcome").count(), 0);
  await phone.getByTestId("nav-directory").click();
  await phone.getByTestId("person-card").first().waitFor({ timeout: 20000 });
  assert.equal(await phone.getByTestId("nav-admin").count(), 0, "a new member is no admin");

  // The link is spent.
  const other = await browser.newContext(PHONE);
  const page = await other.newPage();
  await page.goto(link);
  await page.getByTestId("join-link-problem").waitFor();
  assert.match(await page.getByTestId("join-link-problem").innerText(), /登録済み/);
  await shot(page, "phone-join-used");
  await other.close();
});

test("the new member shows a field to admins only; it never reaches another alumnus's phone", async () => {
  const SECRET = "前職の年収は非公開でお願いします";
  const MARKER = "プロダクトマネージャー（復職検討中）";
  await phone.getByTestId("nav-my-profile").click();
  await phone.getByTestId("visibility-bio").selectOption("admins");
  await phone.getByTestId("profile-bio").fill(SECRET);
  await phone.getByTestId("profile-title").fill(MARKER);
  await phone.getByTestId("save-state").and(phone.locator('[data-state="synced"]')).waitFor({ timeout: 20000 });
  assert.equal(await phone.getByTestId("profile-completeness").getAttribute("data-done"), "4");

  // Hanako, an alumna on her own phone, gets his profile — his title is there — but not the bio.
  const ctx = await browser.newContext(PHONE);
  const hanako = await ctx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  const card = hanako.getByTestId("person-card").filter({ hasText: "鈴木 一郎" });
  await card.filter({ hasText: MARKER }).waitFor({ timeout: 20000 });
  // The card shows what sync brought as soon as it arrives; the write to IndexedDB follows.
  await eventually(() => deviceHolds(hanako, MARKER), 10000, "his public title stored on her phone");
  assert.equal(await deviceHolds(hanako, SECRET), false, "his admins-only bio is not, in any form");
  await ctx.close();

  // The admin reads it (their app learns of the new member when it next asks who it may read).
  await desktop.goto(relay.url);
  await desktop.getByTestId("person-card").filter({ hasText: MARKER }).first().click({ timeout: 20000 });
  await desktop.getByText(SECRET).waitFor({ timeout: 20000 });
  await desktop.getByTestId("nav-admin").click();
});

test("the admin removes the new member's phone from Members; it wipes itself", async () => {
  await desktop.getByTestId("admin-tab-members").click();
  await desktop.getByTestId("members-search").fill("ichiro");
  await memberRow(NEWCOMER).waitFor();
  await desktop.waitForFunction(
    (email) => document.querySelector(`[data-testid=member-row][data-email="${email}"]`)?.dataset.status === "active",
    NEWCOMER,
  );
  await memberRow(NEWCOMER).getByTestId("member-devices").click();
  const device = desktop.locator("[data-testid=admin-device][data-revoked=false]");
  await device.waitFor();
  assert.equal(await device.count(), 1);
  await shot(desktop, "desktop-admin-devices");
  await device.getByTestId("admin-device-revoke").click();
  await desktop.locator("[data-testid=admin-device][data-revoked=true]").waitFor({ timeout: 10000 });

  await phone.getByTestId("signin-device-removed").waitFor({ timeout: 15000 });
  assert.equal(await storedChunkCount(phone), 0, "no document is left on the phone");
  assert.equal(await phone.getByTestId("person-card").count(), 0);

  await desktop.getByTestId("admin-tab-audit").click();
  await desktop.locator("[data-testid=audit-entry][data-action=revoke-device]").waitFor();
  assert.ok(await desktop.locator("[data-testid=audit-entry][data-action=import]").count() >= 1);
  assert.ok(await desktop.locator("[data-testid=audit-entry][data-action=register]").count() >= 1);
  await shot(desktop, "desktop-admin-audit");
});

test("someone without an invitation applies from the sign-in screen and is approved", async () => {
  const ctx = await browser.newContext({ ...PHONE, viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(relay.url);
  await page.getByTestId("signin-apply").click();
  await page.getByTestId("apply-name").fill("小林 由美");
  await page.getByTestId("apply-reading").fill("こばやし ゆみ");
  await page.getByTestId("apply-email").fill("yumi.kobayashi@example.net");
  await page.getByTestId("apply-joined").fill("2010-04");
  await page.getByTestId("apply-left").fill("2019-03");
  await page.getByTestId("apply-department").fill("経理部");
  await page.getByTestId("apply-note").fill("在籍時の上司は経理部の佐々木さんです。");
  await page.getByTestId("apply-password").fill("yumi-applies-2024");
  await shot(page, "phone-apply");
  await page.getByTestId("apply-submit").click();
  await page.getByTestId("apply-pending").waitFor();
  const received = await page.getByTestId("apply-pending").innerText();
  assert.match(received, /申請を受け付けました/);
  assert.match(received, /人事の記録にあるメールアドレスに確認のリンク/);
  assert.match(received, /担当者が確認します/);
  await shot(page, "phone-apply-pending");

  await desktop.getByTestId("admin-tab-applications").click();
  const card = desktop.locator('[data-testid=application][data-email="yumi.kobayashi@example.net"]');
  await card.waitFor();
  await shot(desktop, "desktop-admin-applications");
  await card.getByTestId("application-approve").click();
  await card.waitFor({ state: "detached" });

  await page.goto(relay.url);
  await page.getByTestId("signin-email").fill("yumi.kobayashi@example.net");
  await page.getByTestId("signin-password").fill("yumi-applies-2024");
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("nav-my-profile").waitFor({ timeout: 20000 });
  await ctx.close();
});

test("a new member's card with nothing beyond a name waits before it joins others' directories", async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await page.goto(`${relay.url}/apply`);
  await page.getByTestId("apply-name").fill("小松 健二");
  await page.getByTestId("apply-reading").fill("こまつ けんじ");
  await page.getByTestId("apply-email").fill("kenji.komatsu@example.net");
  await page.getByTestId("apply-password").fill("kenji-applies-2024");
  await page.getByTestId("apply-submit").click();
  await page.getByTestId("apply-pending").waitFor();
  await desktop.goto(`${relay.url}/admin/applications`);
  const card = desktop.locator('[data-testid=application][data-email="kenji.komatsu@example.net"]');
  await card.waitFor({ timeout: 20000 });
  await card.getByTestId("application-approve").click();
  await card.waitFor({ state: "detached" });

  await page.goto(relay.url);
  await page.getByTestId("signin-email").fill("kenji.komatsu@example.net");
  await page.getByTestId("signin-password").fill("kenji-applies-2024");
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("nav-my-profile").click({ timeout: 20000 });
  await page.getByTestId("profile-not-listed").waitFor({ timeout: 20000 });

  // An alumna's phone lists Yumi (approved above, with her department) but not him, yet.
  const other = await browser.newContext(PHONE);
  const hanako = await other.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  // (The demo company has another 小林 由美; the applicant's card shows her years.)
  await hanako.getByTestId("person-card").filter({ hasText: /小林 由美[\s\S]*2010/ }).waitFor({ timeout: 20000 });
  assert.equal(await hanako.getByTestId("person-card").filter({ hasText: "小松 健二" }).count(), 0);

  // One thing more, and his card joins her directory.
  await page.getByTestId("profile-location").fill("福岡市");
  await page.getByTestId("profile-not-listed").waitFor({ state: "detached" });
  await hanako.getByTestId("person-card").filter({ hasText: "小松 健二" }).waitFor({ timeout: 20000 });
  await other.close();
  await ctx.close();
});

test("a leaver HR imported applies on a phone, confirms from the mail sent to the address on record, and signs in", async () => {
  // Shota was imported from the CSV above but never invited.
  const EMAIL = "shota.watanabe@example.com";
  const PASSWORD = "shota-applies-2024";
  const ctx = await browser.newContext({ ...PHONE, viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(`${relay.url}/apply`);
  await page.getByTestId("apply-name").fill("渡辺 翔太");
  await page.getByTestId("apply-reading").fill("わたなべ しょうた");
  await page.getByTestId("apply-email").fill(EMAIL);
  await page.getByTestId("apply-password").fill(PASSWORD);
  await page.getByTestId("apply-submit").click();
  await page.getByTestId("apply-pending").waitFor();
  assert.match(await page.getByTestId("apply-pending").innerText(), /申請を受け付けました/);

  // The match with HR's record lets no one in by itself.
  await page.getByRole("link", { name: "ログイン画面へ" }).click();
  await page.getByTestId("signin-email").fill(EMAIL);
  await page.getByTestId("signin-password").fill(PASSWORD);
  await page.getByTestId("signin-submit").click();
  // Not "wrong password": they are told the application is being reviewed.
  const standing = page.getByTestId("signin-application");
  await standing.waitFor();
  assert.equal(await standing.getAttribute("data-standing"), "pending");
  assert.match(await standing.innerText(), /参加申請は確認中です[\s\S]*メールでお知らせします/);
  assert.equal(await page.getByTestId("signin-error").count(), 0);
  await shot(page, "phone-signin-application-pending");

  // The admin sees the match as a hint, and that a confirmation link is out.
  await desktop.goto(`${relay.url}/admin/applications`);
  const card = desktop.locator(`[data-testid=application][data-email="${EMAIL}"]`);
  await card.waitFor({ timeout: 20000 });
  const hint = card.getByTestId("application-hr-match");
  assert.equal(await hint.getAttribute("data-by"), "email");
  assert.match(await hint.innerText(), /人事記録と一致[\s\S]*渡辺 翔太 \(E9003\)[\s\S]*メールアドレスが一致/);
  assert.match(await card.getByTestId("application-awaiting").innerText(), /本人確認のメールを送信済み/);
  await shot(desktop, "desktop-admin-application-hr-match");

  // The link goes to the address HR has on record.
  const mail = await smtp.waitFor(/#\/confirm\//);
  assert.match(mail.raw, /shota\.watanabe@example\.com/);
  const link = mail.text.match(/https?:\/\/\S+\/#\/confirm\/[A-Za-z0-9_-]+/)?.[0];
  assert.ok(link?.startsWith(relay.url), `a confirmation link in the mail:\n${mail.text}`);

  await page.goto(link);
  await page.getByTestId("confirm-applicant").waitFor();
  assert.match(new URL(page.url()).pathname, /^\/confirm\//, "the fragment link is routed");
  assert.equal(await page.getByTestId("confirm-name").innerText(), "渡辺 翔太");
  assert.equal(await page.getByTestId("confirm-email").innerText(), EMAIL);
  await shot(page, "phone-confirm");
  await page.getByTestId("confirm-submit").click();
  await page.getByTestId("confirm-done").waitFor();
  assert.match(await page.getByTestId("confirm-done").innerText(), /shota\.watanabe@example\.com としてログイン/);
  await shot(page, "phone-confirmed");

  // Confirming opened no session: they sign in with the password they applied with.
  await page.getByTestId("confirm-to-sign-in").click();
  assert.equal(await page.getByTestId("signin-email").inputValue(), EMAIL, "the email is filled in");
  await page.getByTestId("signin-password").fill(PASSWORD);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("nav-my-profile").waitFor({ timeout: 20000 });

  // The link is spent, and the application is no longer waiting.
  const other = await browser.newContext(PHONE);
  const again = await other.newPage();
  await again.goto(link);
  await again.getByTestId("confirm-link-problem").waitFor();
  assert.match(await again.getByTestId("confirm-link-problem").innerText(), /すでに使われています/);
  await other.close();
  await desktop.goto(`${relay.url}/admin/applications`);
  await desktop.getByTestId("applications-empty").waitFor({ timeout: 20000 });
  await ctx.close();
});

test("an alumna sees no admin entry, and opening an admin URL says it is forbidden", async () => {
  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await signInThroughUi(page, relay.url, "hanako@example.com");
  assert.equal(await page.getByTestId("nav-admin").count(), 0);
  await page.goto(`${relay.url}/admin`);
  await page.getByTestId("admin-forbidden").waitFor({ timeout: 20000 });
  assert.match(await page.getByTestId("admin-forbidden").innerText(), /administrator/);
  const status = await page.evaluate(async () => (await fetch("/api/admin/members")).status);
  assert.equal(status, 403, "the relay refuses her too");
  await shot(page, "desktop-admin-forbidden");
  await ctx.close();
});
