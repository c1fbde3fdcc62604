// Company news as people use it (issue 13): the admin writes a post on a desktop for "left
// 2018–2022, open to rehire", watching the live count narrow, and publishes it pinned; a second
// post goes to everyone. Hanako (left 2021, open to rehire) reads both, the aimed one marked
// unread until she opens it, and again offline after a reload. Ken (left 2019, not open to
// rehire) gets only the post for everyone: the aimed one is never in his IndexedDB. Hanako likes
// and comments offline; back online the admin sees both and hides the comment, which she then
// edits and deletes. Unpublished, the post leaves Hanako's phone. The aimed post also goes out as
// a newsletter: the mail reaches Hanako and not Ken, and its link unsubscribes her without
// signing in, which the app's feed then shows. A post that comes out appears on an open app's
// feed without reopening it. The aimed post carries a photo, which Hanako sees offline too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP, signInThroughUi, picture } from "../lib/browser.mjs";
import { deviceHolds, deviceComesToHold } from "../lib/inspect.mjs";
import { eventually } from "../lib/automerge_repo.mjs";
import { SmtpSink } from "../lib/smtp.mjs";

const SLOW = { timeout: 30000 };
const AIMED = "アルムナイ採用を再開します";
const AIMED_BODY = "営業企画と**人事**で、出戻り採用の募集を始めました。";
const EVERYONE = "年末年始のお知らせ";
/** A CV as a phone would pick it: a (tiny) PDF. */
const CV = Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

let relay, sink, browser, admin, adminCtx, hanako, hanakoCtx, ken;
/** `/news/<document id>` of the aimed post. */
let aimedPath;

before(async () => {
  sink = await SmtpSink.start();
  relay = await Relay.start({ args: ["--smtp-url", sink.url] });
  browser = await launch();
  adminCtx = await browser.newContext(DESKTOP);
  hanakoCtx = await browser.newContext(PHONE);
  const kenCtx = await browser.newContext(PHONE);
  [admin, hanako, ken] = await Promise.all([adminCtx.newPage(), hanakoCtx.newPage(), kenCtx.newPage()]);
  await signInThroughUi(admin, relay.url, "admin@example.com");
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  await signInThroughUi(ken, relay.url, "ken@example.com");
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await sink?.stop();
});

async function shot(page, name) {
  if (process.env.TSUNAGU_SCREENSHOTS) {
    await page.screenshot({ path: `${process.env.TSUNAGU_SCREENSHOTS}/${name}.png`, fullPage: true });
  }
}

/** The live count under the segment once it has settled on a number. */
async function reach(page) {
  const line = page.locator('[data-testid="segment-reach"]:not([data-reach=""])');
  await line.waitFor(SLOW);
  return Number(await line.getAttribute("data-reach"));
}

/** The admin starts a post titled `title` and opens it in the editor. */
async function startPost(title) {
  await admin.getByTestId("nav-news").click();
  await admin.getByTestId("news-new").click();
  await admin.getByTestId("new-post-title").fill(title);
  await admin.getByTestId("new-post-submit").click();
  await admin.getByTestId("post-form").waitFor(SLOW);
}

async function publish() {
  admin.once("dialog", (dialog) => dialog.accept().catch(() => {}));
  await admin.getByTestId("post-publish").click();
  await admin.locator('[data-testid="post-saved"][data-outcome="published"]').waitFor(SLOW);
  await admin.locator('[data-testid="post-standing"][data-standing="published"]').waitFor(SLOW);
}

/** The phone opens the app again (a new visit asks the relay what it may read now). */
async function reopen(page) {
  await page.reload();
  await page.getByTestId("nav-news").click();
  await page.getByTestId("news-page").waitFor(SLOW);
}

const card = (page, title) => page.getByTestId("news-card").filter({ hasText: title });

/** The admin gives Ken `role` (on) or takes it back, on the members screen. */
async function setKensRole(role, on) {
  await admin.goto(`${relay.url}/admin`);
  const row = admin.locator('[data-testid=member-row][data-email="ken@example.com"]');
  await row.getByTestId("member-roles").click(SLOW);
  const roles = admin.getByTestId("roles-editor");
  await roles.getByTestId(`role-${role}`).setChecked(on, { force: true });
  await roles.getByTestId("roles-save").click();
  await roles.waitFor({ state: "detached", ...SLOW });
}

test("the admin aims a post at a segment, with a live count, and publishes it pinned", async () => {
  await startPost(AIMED);
  const everyone = await reach(admin);
  assert.ok(everyone >= 3, `a post with no conditions reaches the whole network (${everyone})`);
  await admin.getByTestId("post-body-input").fill(AIMED_BODY);
  // A photo of the venue, shrunk on the admin's computer and named at the end of the text.
  await admin.getByTestId("post-photo-input").setInputFiles(await picture(admin, 2400, 1600));
  await eventually(async () => /!\[\]\(photo:[0-9a-f]{64}\)/.test(await admin.getByTestId("post-body-input").inputValue()), 15000, "the photo in the text");
  const photo = (await admin.getByTestId("post-body-input").inputValue()).match(/photo:([0-9a-f]{64})/)[1];
  // It reaches the relay on its own, before anyone opens the post.
  const cookie = (await adminCtx.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  await eventually(async () => (await fetch(`${relay.url}/api/photos/${photo}`, { headers: { cookie } })).ok, 15000, "the photo uploaded");
  await admin.getByTestId("segment-left-from").fill("2018");
  await admin.getByTestId("segment-left-to").fill("2022");
  await admin.getByTestId("segment-interest-rehire").check({ force: true });
  await eventually(async () => (await reach(admin)) < everyone, 10000, "the count to narrow");
  const aimed = await reach(admin);
  assert.ok(aimed >= 1, "Hanako is in it");
  // A year typed backwards is caught before anything is saved.
  await admin.getByTestId("segment-left-to").fill("2010");
  await admin.locator('[data-testid="segment-reach"][data-state="invalid"]').waitFor(SLOW);
  await admin.getByTestId("post-save").click();
  await admin.getByTestId("post-form-problem").waitFor();
  await admin.getByTestId("segment-left-to").fill("2022");
  await admin.getByTestId("post-pinned-input").check();
  // Announced by push to those with the app closed (server/tests/push.rs follows the push).
  await admin.getByTestId("post-important-input").check();
  // And mailed to them as a newsletter.
  await admin.getByTestId("post-newsletter-input").check();
  await shot(admin, "desktop-news-editor");
  await publish();
  aimedPath = new URL(admin.url()).pathname.replace(/\/edit$/, "");

  // Ken has the app open on the feed while the post for everyone comes out.
  await ken.getByTestId("nav-news").click();
  await ken.getByTestId("news-page").waitFor(SLOW);
  await startPost(EVERYONE);
  await admin.getByTestId("post-body-input").fill("12月29日から1月3日まで事務局はお休みです。");
  await publish();
  // It appears on his open feed, without reopening the app.
  await card(ken, EVERYONE).waitFor(SLOW);

  await admin.getByTestId("nav-news").click();
  await card(admin, AIMED).waitFor(SLOW);
  await card(admin, EVERYONE).waitFor(SLOW);
  // Pinned first.
  assert.match(await admin.getByTestId("news-card").first().innerText(), new RegExp(AIMED));
});

test("Hanako reads the post aimed at her, unread until opened, and offline after a reload", async () => {
  await reopen(hanako);
  await card(hanako, AIMED).waitFor(SLOW);
  await card(hanako, EVERYONE).waitFor(SLOW);
  assert.equal(await card(hanako, AIMED).getAttribute("data-unread"), "true");
  await hanako.getByTestId("news-badge").waitFor(SLOW);
  await shot(hanako, "phone-news-feed");
  await card(hanako, AIMED).click();
  await hanako.getByTestId("post-title").filter({ hasText: AIMED }).waitFor(SLOW);
  assert.equal(await hanako.locator('[data-testid="post-body"] strong').innerText(), "人事");
  await hanako.locator('[data-testid="post-body"] img.post-photo[data-state="shown"]').waitFor(SLOW);
  await shot(hanako, "phone-news-post");
  await hanako.getByTestId("post-back").click();
  await hanako.locator('[data-testid="news-card"][data-unread="false"]').filter({ hasText: AIMED }).waitFor(SLOW);
  assert.equal(await deviceComesToHold(hanako, "出戻り採用の募集"), true);

  // On the train: no network, the app opened again from the device.
  await hanakoCtx.setOffline(true);
  try {
    await hanako.reload();
    await hanako.getByTestId("nav-news").click();
    await card(hanako, AIMED).waitFor(SLOW);
    assert.equal(await card(hanako, AIMED).getAttribute("data-unread"), "false", "read stays read");
    await card(hanako, AIMED).click();
    await hanako.locator('[data-testid="post-body"]').filter({ hasText: "出戻り採用の募集" }).waitFor(SLOW);
    // Its photo too, from the phone's own storage.
    await hanako.locator('[data-testid="post-body"] img.post-photo[data-state="shown"]').waitFor(SLOW);
    // She likes it and comments, still offline: kept on the phone, sent later.
    await hanako.getByTestId("post-like").click();
    await hanako.locator('[data-testid="post-like"][aria-pressed="true"]').waitFor();
    await hanako.getByTestId("comment-input").fill("ぜひ応募したいです。説明会はありますか？");
    await hanako.getByTestId("comment-submit").click();
    await hanako.getByTestId("comment-text").filter({ hasText: "説明会はありますか" }).waitFor(SLOW);
    // Kept on the phone, marked as not sent yet.
    await hanako.locator('[data-testid="comment"][data-sending="true"]').waitFor(SLOW);
    await shot(hanako, "phone-news-responses");
  } finally {
    await hanakoCtx.setOffline(false);
  }
});

test("back online her いいね and comment reach the admin, who hides the comment for everyone", async () => {
  // Sent: no longer marked on her phone.
  await hanako.locator('[data-testid="comment"][data-sending="false"]').waitFor(SLOW);
  await admin.goto(relay.url + aimedPath);
  await admin.locator('[data-testid="post-like-count"][data-count="1"]').waitFor(SLOW);
  const comment = admin.getByTestId("comment").filter({ hasText: "説明会はありますか" });
  await comment.waitFor(SLOW);
  // How the post is doing: Hanako opened it and likes it (the admin's own readings do not count).
  await admin.locator('[data-testid="post-stats"][data-opened="1"][data-likes="1"]').waitFor(SLOW);
  await comment.getByTestId("comment-hide").click();
  await hanako.locator('[data-testid="comment"][data-hidden="true"]').waitFor(SLOW);
  assert.equal(await hanako.getByTestId("comment-text").count(), 0, "its text is gone from her screen");
  // The admin shows it again; she edits it, then deletes it.
  await admin.getByTestId("comment-hide").click();
  await hanako.getByTestId("comment-text").filter({ hasText: "説明会はありますか" }).waitFor(SLOW);
  await hanako.getByTestId("comment-edit").click();
  await hanako.getByTestId("comment-edit-input").fill("ぜひ応募したいです。");
  await hanako.getByTestId("comment-edit-save").click();
  await admin.getByTestId("comment-text").filter({ hasText: /^ぜひ応募したいです。$/ }).waitFor(SLOW);
  hanako.once("dialog", (dialog) => dialog.accept().catch(() => {}));
  await hanako.getByTestId("comment-delete").click();
  await eventually(async () => (await admin.getByTestId("comment").count()) === 0, 20000, "the comment to go");
});

test("the newsletter mails Hanako, not Ken, and its link unsubscribes her without signing in", async () => {
  const mail = await sink.waitFor(/To:.*hanako@example\.com/);
  assert.match(mail.text, new RegExp(AIMED));
  assert.match(mail.text, /出戻り採用の募集/);
  assert.ok(mail.text.includes(relay.url + aimedPath), "a link to the post in the app");
  assert.equal(sink.messages().filter((m) => /To:.*ken@example\.com/.test(m.raw)).length, 0, "Ken is not in the segment");
  await admin.goto(relay.url + aimedPath);
  await admin.locator('[data-testid="post-stats"]:not([data-mailed="0"])').waitFor(SLOW);

  await reopen(hanako);
  await hanako.locator('[data-testid="newsletter-choice"][data-receive="true"]').waitFor(SLOW);
  const link = mail.text.split("\n").find((l) => l.includes("/api/newsletter/unsubscribe/")).trim();
  // Opened from her mail app, in a browser where she is not signed in.
  const stranger = await browser.newContext(PHONE);
  const page = await stranger.newPage();
  await page.goto(link);
  await page.locator('body[data-state="unsubscribe"]').waitFor(SLOW);
  await shot(page, "phone-newsletter-unsubscribe");
  await page.getByTestId("unsubscribe").click();
  await page.locator('body[data-state="unsubscribed"]').waitFor(SLOW);
  await stranger.close();

  await reopen(hanako);
  await hanako.locator('[data-testid="newsletter-choice"][data-receive="false"]').waitFor(SLOW);
  await shot(hanako, "phone-news-mail-choice");
  // She changes her mind in the app.
  await hanako.getByTestId("newsletter-receive").check({ force: true });
  await hanako.locator('[data-testid="newsletter-choice"][data-receive="true"]').waitFor(SLOW);
});

test("Ken, outside the segment, gets the post for everyone and never the aimed one", async () => {
  await reopen(ken);
  await card(ken, EVERYONE).waitFor(SLOW);
  assert.equal(await card(ken, AIMED).count(), 0, "not on his screen");
  // Once his phone holds what came after, it would hold the aimed post had it been sent.
  assert.equal(await deviceComesToHold(ken, "事務局はお休み"), true);
  assert.equal(await deviceHolds(ken, AIMED), false, "not in his IndexedDB, in any form");
  assert.equal(await deviceHolds(ken, "出戻り採用の募集"), false);
  // Nor by its address.
  await ken.goto(relay.url + aimedPath);
  await ken.getByTestId("post-not-found").waitFor(SLOW);
  // Nor the editor, which is for admins.
  await ken.goto(`${relay.url}/news/new`);
  await ken.getByTestId("post-editor-forbidden").waitFor(SLOW);
});

test("unpublished, the post leaves Hanako's phone", async () => {
  await admin.goto(relay.url + aimedPath);
  await admin.getByTestId("post-edit").click();
  await admin.getByTestId("post-form").waitFor(SLOW);
  admin.once("dialog", (dialog) => dialog.accept().catch(() => {}));
  await admin.getByTestId("post-unpublish").click();
  await admin.locator('[data-testid="post-saved"][data-outcome="unpublished"]').waitFor(SLOW);
  await admin.getByTestId("nav-news").click();
  await admin.getByTestId("news-draft").filter({ hasText: AIMED }).waitFor(SLOW);

  await reopen(hanako);
  await card(hanako, EVERYONE).waitFor(SLOW);
  await eventually(async () => (await card(hanako, AIMED).count()) === 0, 20000, "the card to go");
  await eventually(async () => !(await deviceHolds(hanako, "出戻り採用の募集")), 10000, "the post to leave her IndexedDB");
});

test("an editor the admin appoints writes and publishes a post from his phone; the role taken back, he cannot", async () => {
  const EDITED = "同窓会の写真を募集しています";
  const setEditor = (on) => setKensRole("editor", on);
  await setEditor(true);

  // His open app learns the role from the relay (no sign-in again) and offers the editor.
  await ken.goto(`${relay.url}/news`);
  await ken.getByTestId("news-new").click(SLOW);
  await ken.getByTestId("new-post-title").fill(EDITED);
  await ken.getByTestId("new-post-submit").click();
  await ken.getByTestId("post-form").waitFor(SLOW);
  await ken.getByTestId("post-body-input").fill("12月の同窓会の写真を、この投稿へのコメントで教えてください。");
  ken.once("dialog", (dialog) => dialog.accept().catch(() => {}));
  await ken.getByTestId("post-publish").click();
  await ken.locator('[data-testid="post-saved"][data-outcome="published"]').waitFor(SLOW);
  await shot(ken, "news-editor-phone");

  await reopen(hanako);
  await card(hanako, EDITED).waitFor(SLOW);

  // Without the role, the editor is closed to him again, and his post stays out.
  await setEditor(false);
  await ken.goto(`${relay.url}/news/new`);
  await ken.getByTestId("post-editor-forbidden").waitFor(SLOW);
  await reopen(ken);
  await card(ken, EDITED).waitFor(SLOW);
  assert.equal(await ken.getByTestId("news-new").count(), 0);
});

test("a recruiter posts a gig for its segment; Hanako finds it under 求人 by its kind, offline too", async () => {
  const GIG = "新サービスの営業企画（業務委託）";
  await setKensRole("recruiter", true);

  // Ken, now a recruiter, starts a gig from the jobs list and writes its particulars.
  await ken.goto(`${relay.url}/jobs`);
  await ken.getByTestId("jobs-new").click(SLOW);
  await ken.getByTestId("new-job-kind").selectOption("gig");
  await ken.getByTestId("new-post-title").fill(GIG);
  await ken.getByTestId("new-post-submit").click();
  await ken.getByTestId("post-form").waitFor(SLOW);
  assert.equal(await ken.getByTestId("opening-kind-input").inputValue(), "gig");
  await ken.getByTestId("post-body-input").fill("新サービスの営業企画を、3か月お手伝いいただける方を探しています。");
  await ken.getByTestId("opening-department-input").fill("営業企画部");
  await ken.getByTestId("opening-location-input").fill("東京本社");
  await ken.getByTestId("opening-remote-input").check();
  await ken.getByTestId("opening-rate-input").fill("月額40万円");
  await ken.getByTestId("opening-duration-input").fill("3か月");
  await ken.getByTestId("segment-left-from").fill("2018");
  await ken.getByTestId("segment-left-to").fill("2022");
  await ken.getByTestId("segment-interest-rehire").check({ force: true });
  ken.once("dialog", (dialog) => dialog.accept().catch(() => {}));
  await ken.getByTestId("post-publish").click();
  await ken.locator('[data-testid="post-saved"][data-outcome="published"]').waitFor(SLOW);
  await shot(ken, "jobs-editor-phone");

  // Hanako, in the segment: not among the news, but under 求人, with its particulars.
  await reopen(hanako);
  await card(hanako, EVERYONE).waitFor(SLOW);
  assert.equal(await card(hanako, GIG).count(), 0, "an opening is not news");
  await hanako.getByTestId("news-switch-jobs").click();
  await hanako.getByTestId("jobs-page").waitFor(SLOW);
  const gig = card(hanako, GIG);
  await gig.waitFor(SLOW);
  const facts = gig.getByTestId("job-facts");
  assert.equal(await facts.getAttribute("data-kind"), "gig");
  assert.match(await facts.innerText(), /業務委託・副業[\s\S]*リモート可[\s\S]*東京本社[\s\S]*月額40万円[\s\S]*3か月/);
  await hanako.getByTestId("jobs-kind-full-time").click();
  await hanako.getByTestId("jobs-empty-kind").waitFor();
  await hanako.getByTestId("jobs-kind-gig").click();
  await gig.waitFor();
  await shot(hanako, "jobs-list-phone");

  // Offline, after a reload: the list, the filter and the opening itself.
  await hanakoCtx.setOffline(true);
  try {
    await hanako.reload();
    await hanako.getByTestId("nav-news").click();
    await hanako.getByTestId("news-switch-jobs").click();
    await card(hanako, GIG).click(SLOW);
    await hanako.getByTestId("post-title").filter({ hasText: GIG }).waitFor(SLOW);
    assert.match(await hanako.getByTestId("post-page").getByTestId("job-facts").innerText(), /月額40万円/);
    assert.equal(await hanako.getByTestId("post-like").count(), 0, "openings are answered by applying, not いいね");
    await shot(hanako, "jobs-post-offline");
    await hanako.getByTestId("post-back").click();
    await hanako.getByTestId("jobs-page").waitFor(SLOW);
  } finally {
    await hanakoCtx.setOffline(false);
  }
});

test("Hanako applies offline with her CV; back online the recruiter moves it to 面接 on his phone and hers shows it; his note never reaches her; the admin moves it on from the desktop board", async () => {
  const GIG = "新サービスの営業企画（業務委託）";
  const NOTE = "営業企画の経験を活かして、また一緒に働きたいです。";
  const PRIVATE = "面接では新規事業の経験を深掘りする";

  // On the train: she opens the gig and applies with no signal; it is kept, and says so.
  await hanako.goto(`${relay.url}/jobs`);
  await card(hanako, GIG).click(SLOW);
  await hanako.getByTestId("apply-start").waitFor(SLOW);
  const gigPath = new URL(hanako.url()).pathname;
  await hanakoCtx.setOffline(true);
  try {
    await hanako.getByTestId("apply-start").click();
    await hanako.getByTestId("apply-note").fill(NOTE);
    await hanako.getByTestId("apply-link").fill("http://example.com/cv.pdf");
    await hanako.getByTestId("apply-send").click();
    await hanako.getByTestId("apply-error").waitFor();
    await hanako.getByTestId("apply-link").fill("https://example.com/hanako-cv.pdf");
    // Her CV as a file too: a picture is not taken for one, a PDF is.
    await hanako.getByTestId("apply-cv").setInputFiles({ name: "memo.txt", mimeType: "text/plain", buffer: Buffer.from("not a pdf") });
    await hanako.getByTestId("apply-error").waitFor();
    await hanako.getByTestId("apply-cv").setInputFiles({ name: "山田花子_職務経歴書.pdf", mimeType: "application/pdf", buffer: CV });
    await hanako.getByTestId("apply-cv-name").filter({ hasText: "職務経歴書" }).waitFor(SLOW);
    await shot(hanako, "jobs-apply-phone");
    await hanako.getByTestId("apply-send").click();
    await hanako.getByTestId("apply-sending").waitFor(SLOW);
  } finally {
    await hanakoCtx.setOffline(false);
  }
  // Back online, the relay takes it: 応募済, dated.
  await hanako.locator('[data-testid=apply-stages] [data-stage=applied]').waitFor(SLOW);

  // Ken, the recruiter, works it on his phone: her note and CV, a private note, 4 stars, 面接.
  const board = `${relay.url}${gigPath.replace("/news/", "/jobs/")}/applicants`;
  await ken.goto(board);
  const applied = ken.locator("[data-testid=board-applied] [data-testid=applicant]");
  await applied.waitFor(SLOW);
  assert.match(await applied.getByTestId("applicant-note").innerText(), /また一緒に働きたい/);
  // Her CV file, uploaded from her phone once it was back online, opens for him.
  const cvPath = await applied.getByTestId("applicant-cv").getAttribute("href");
  await eventually(async () => (await ken.evaluate(async (path) => {
    const got = await fetch(path);
    return got.ok && (await got.text()).startsWith("%PDF-");
  }, cvPath)), 15000, "her CV file on the relay");
  await applied.getByTestId("applicant-note-input").fill(PRIVATE);
  await applied.getByTestId("applicant-note-add").click();
  await applied.getByTestId("applicant-note-item").filter({ hasText: PRIVATE }).waitFor(SLOW);
  await applied.getByTestId("applicant-star-4").click();
  await applied.getByTestId("applicant-stage").selectOption("interview");
  await ken.locator("[data-testid=board-interview] [data-testid=applicant]").waitFor(SLOW);
  await shot(ken, "jobs-board-phone");

  // Her phone shows 面接 with its date, on the opening and in the list.
  await hanako.locator("[data-testid=apply-stages] [data-stage=interview]").waitFor(SLOW);
  await shot(hanako, "jobs-application-phone");
  await hanako.getByTestId("post-back").click();
  await card(hanako, GIG).locator('[data-testid=my-application-stage][data-stage=interview]').waitFor(SLOW);

  // What recruiters note is on their devices (his, and the admin's), and never on hers.
  assert.ok(await deviceComesToHold(ken, PRIVATE), "the recruiter's device keeps the notes");
  assert.equal(await deviceHolds(hanako, PRIVATE), false, "the applicant never receives the notes");

  // The admin, on the desktop board, sees his note and drags her card on to 内定.
  await admin.goto(board);
  const interviewing = admin.locator("[data-testid=board-interview] [data-testid=applicant]");
  await interviewing.getByTestId("applicant-note-item").filter({ hasText: PRIVATE }).waitFor(SLOW);
  // Dragged by its name (the middle of the card holds fields, which do not drag).
  await interviewing.dragTo(admin.getByTestId("board-offer"), { sourcePosition: { x: 12, y: 12 } });
  const offered = admin.locator("[data-testid=board-offer] [data-testid=applicant]");
  await offered.waitFor(SLOW);
  await shot(admin, "jobs-board-desktop");
  await card(hanako, GIG).locator('[data-testid=my-application-stage][data-stage=offer]').waitFor(SLOW);
  assert.ok(await deviceComesToHold(admin, PRIVATE), "the admin's device keeps the notes");

  // From her card, the admin writes to her.
  await offered.getByTestId("person-message").click();
  await admin.getByTestId("chat").waitFor(SLOW);

  // The role taken back, Ken can neither start another opening nor open the board.
  await setKensRole("recruiter", false);
  await ken.goto(`${relay.url}/jobs/new`);
  await ken.getByTestId("post-editor-forbidden").waitFor(SLOW);
  await ken.goto(board);
  await ken.getByTestId("post-editor-forbidden").waitFor(SLOW);
});

test("Hanako saves the gig, refers a former colleague; the admin hires him from the board and her phone shows the referral credited", async () => {
  const GIG = "新サービスの営業企画（業務委託）";
  await hanako.goto(`${relay.url}/jobs`);
  await card(hanako, GIG).click(SLOW);
  const gigPath = new URL(hanako.url()).pathname;
  // Saved to come back to: the list's 保存済み shows it (and keeps it after a reload).
  await hanako.getByTestId("job-save").click(SLOW);
  await hanako.locator('[data-testid=job-save][aria-pressed=true]').waitFor(SLOW);
  await hanako.reload();
  await hanako.getByTestId("nav-news").click();
  await hanako.getByTestId("news-switch-jobs").click();
  await hanako.getByTestId("jobs-saved").click(SLOW);
  await card(hanako, GIG).click(SLOW);
  await hanako.getByTestId("refer-start").click(SLOW);
  await hanako.getByTestId("refer-name").fill("佐藤 次郎");
  await hanako.getByTestId("refer-email").fill("jiro@example");
  await hanako.getByTestId("refer-send").click();
  await hanako.getByTestId("refer-error").waitFor();
  await hanako.getByTestId("refer-email").fill("jiro@example.com");
  await hanako.getByTestId("refer-why").fill("前職の同僚で、新規事業の立ち上げ経験があります。");
  await hanako.getByTestId("refer-send").click();
  await hanako.locator("[data-testid=referral][data-stage=applied]").waitFor(SLOW);

  // On the board as a referral, credited to her; hired with the stage picker.
  await admin.goto(`${relay.url}${gigPath.replace("/news/", "/jobs/")}/applicants`);
  const referred = admin.locator("[data-testid=board-applied] [data-testid=applicant][data-referral=true]");
  await referred.waitFor(SLOW);
  assert.match(await referred.getByTestId("applicant-referral").innerText(), /jiro@example\.com/);
  await referred.getByTestId("applicant-stage").selectOption("hired");
  const hired = admin.locator("[data-testid=board-hired] [data-testid=applicant][data-referral=true]");
  await hired.getByTestId("applicant-credited").waitFor(SLOW);
  await shot(admin, "jobs-board-referral-desktop");

  await hanako.locator("[data-testid=referral][data-stage=hired]").getByTestId("referral-credited").waitFor(SLOW);
  await shot(hanako, "jobs-referral-phone");
});

test("the admin finds Hanako in the talent pool by skill, place and years, her application and referral counted; shortlists her and exports the list; Ken may not open it", async () => {
  await admin.goto(`${relay.url}/jobs`);
  await admin.getByTestId("jobs-talent").click(SLOW);
  await admin.getByTestId("talent-list").waitFor(SLOW);
  await admin.getByTestId("talent-skills").fill("people analytics");
  await admin.getByTestId("talent-locations").fill("東京");
  await admin.getByTestId("talent-left-from").fill("2022");
  await admin.getByTestId("talent-left-to").fill("2018");
  await admin.getByTestId("talent-search-button").click();
  await admin.getByTestId("talent-problem").waitFor(SLOW);
  await admin.getByTestId("talent-left-from").fill("2018");
  await admin.getByTestId("talent-left-to").fill("2022");
  await admin.getByTestId("talent-search-button").click();
  await admin.getByTestId("talent-problem").waitFor({ state: "detached", ...SLOW });
  // Only those with the skill, Hanako among them.
  await eventually(async () => {
    const skills = await admin.getByTestId("talent-skill-list").allInnerTexts();
    return skills.length > 0 && skills.every((s) => /people analytics/i.test(s));
  }, 15000, "the search's answer");
  const hers = admin.getByTestId("talent").filter({ hasText: "山田 花子" });
  await hers.waitFor(SLOW);
  // What she did this run counts: one application, one referral hired.
  assert.equal(await hers.getByTestId("talent-applications").innerText(), "1");
  assert.match(await hers.getByTestId("talent-referrals").innerText(), /1.*1/);
  assert.match(await hers.getByTestId("talent-open").first().innerText(), /再入社|Rehire/);

  // On the shortlist, shared with every recruiter; the shortlist alone, then exported.
  await hers.getByTestId("talent-shortlist").click();
  await admin.locator("[data-testid=talent][data-shortlisted=true]").filter({ hasText: "山田 花子" }).waitFor(SLOW);
  await admin.getByTestId("talent-shortlisted").click();
  await eventually(async () => (await admin.getByTestId("talent").count()) === 1, 15000, "the shortlist alone");
  await hers.getByTestId("talent-shortlisted-by").waitFor(SLOW);
  await shot(admin, "talent-desktop");
  if (process.env.TSUNAGU_SCREENSHOTS) {
    await admin.setViewportSize(PHONE.viewport);
    await shot(admin, "talent-phone");
    await admin.setViewportSize(DESKTOP.viewport);
  }
  const href = await admin.getByTestId("talent-csv").getAttribute("href");
  assert.match(href, /shortlisted=true/);
  const lang = await admin.evaluate(() => document.documentElement.lang);
  assert.match(href, new RegExp(`lang=${lang.slice(0, 2)}`), "in the language on screen");
  const csv = await admin.evaluate(async (path) => (await fetch(path)).text(), href);
  const rows = csv.trim().split("\r\n");
  assert.equal(rows.length, 2, csv);
  assert.match(rows[0], /^\uFEFF?(氏名|Name),/);
  assert.match(rows[1], /山田 花子/);

  // From her card, a message.
  await hers.getByTestId("person-message").click();
  await admin.getByTestId("chat").waitFor(SLOW);

  // Not a recruiter, Ken is shown why not.
  await ken.goto(`${relay.url}/talent`);
  await ken.getByTestId("post-editor-forbidden").waitFor(SLOW);
});
