// Messages in the real app against the real relay: Hanako starts a conversation from Ken's page,
// writes to him offline (shown as sending, kept on her phone), it is sent when she is back
// online; Ken's tab counts it unread, he reads it and she sees 既読; replies quote, reactions
// show on both phones, and an unsent message disappears from his phone. The chat opens offline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";

let relay, browser;

before(async () => {
  relay = await Relay.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

/** The message whose own text (not a quote of it) is `text`. */
const bubble = (page, text) =>
  page.getByTestId("message").filter({ has: page.getByTestId("message-text").getByText(text, { exact: true }) });

test("Hanako writes to Ken offline; it is sent when she is back, read, answered and unsent", async () => {
  const hanakoCtx = await browser.newContext(PHONE);
  const hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  const kenCtx = await browser.newContext(DESKTOP);
  const ken = await kenCtx.newPage();
  await signInThroughUi(ken, relay.url, "ken@example.com");
  await ken.getByTestId("nav-messages").click();
  await ken.getByTestId("conversations-empty").waitFor();
  assert.equal(await ken.getByTestId("nav-messages").getAttribute("aria-current"), "page");
  assert.equal(await ken.getByTestId("nav-my-profile").getAttribute("aria-current"), null);

  // From Ken's page in the directory, "メッセージ" opens a new one-to-one conversation.
  await hanako.getByTestId("directory-search").fill("佐藤 健");
  await hanako.getByTestId("person-card").filter({ hasText: "佐藤 健" }).first().click();
  await hanako.getByTestId("person-message").click();
  await hanako.getByTestId("chat-title").filter({ hasText: "佐藤 健" }).waitFor({ timeout: 15000 });
  await hanako.getByTestId("composer").waitFor();
  await hanako.waitForSelector("[data-testid=sync-indicator][data-state=online]");

  // On the train: written offline, kept and shown as sending.
  await hanakoCtx.setOffline(true);
  await hanako.waitForSelector("[data-testid=sync-indicator][data-state=offline]");
  await hanako.getByTestId("composer-input").fill("来週の同期会、行きますか？");
  await hanako.getByTestId("send").click();
  const mine = bubble(hanako, "来週の同期会、行きますか？");
  await mine.waitFor();
  assert.equal(await mine.getByTestId("message-status").innerText(), "送信中");
  assert.equal(await hanako.getByTestId("composer-input").inputValue(), "", "the composer empties");
  // Reloading offline keeps it: it is on the phone, not in memory.
  await hanako.reload();
  await bubble(hanako, "来週の同期会、行きますか？").waitFor({ timeout: 15000 });

  // Back online: sent; Ken's tab counts it.
  await hanakoCtx.setOffline(false);
  await hanako.waitForFunction(
    () => {
      const status = [...document.querySelectorAll("[data-testid=message] [data-testid=message-status]")];
      return status.every((s) => s.textContent !== "送信中");
    },
    null,
    { timeout: 20000 },
  );
  await ken.getByTestId("messages-badge").filter({ hasText: "1" }).waitFor({ timeout: 20000 });
  const row = ken.getByTestId("conversation-row").first();
  assert.match(await row.getByTestId("conversation-name").innerText(), /山田 花子/);
  assert.equal(await row.getByTestId("conversation-unread").innerText(), "1");

  // Ken opens it: read, on his side (badge gone) and hers (既読).
  await row.click();
  await bubble(ken, "来週の同期会、行きますか？").waitFor();
  await ken.getByTestId("messages-badge").waitFor({ state: "detached", timeout: 10000 });
  await mine.getByTestId("message-status").filter({ hasText: "既読" }).waitFor({ timeout: 20000 });

  // He replies to it and reacts; both show on her phone.
  await bubble(ken, "来週の同期会、行きますか？").locator(".bubble").click();
  await ken.getByTestId("react").filter({ hasText: "👍" }).click();
  await bubble(ken, "来週の同期会、行きますか？").locator(".bubble").click();
  await ken.getByTestId("reply").click();
  await ken.getByTestId("composer-input").fill("行きます！");
  await ken.getByTestId("send").click();
  const reply = bubble(hanako, "行きます！");
  await reply.waitFor({ timeout: 20000 });
  assert.equal(await reply.getByTestId("message-quote").innerText(), "来週の同期会、行きますか？");
  await mine.getByTestId("message-reactions").filter({ hasText: "👍" }).waitFor({ timeout: 20000 });

  // She unsends her question: gone from his phone, a notice in its place.
  hanako.once("dialog", (d) => d.accept());
  await mine.locator(".bubble").click();
  await hanako.getByTestId("unsend").click();
  await ken
    .getByTestId("message-text")
    .filter({ hasText: "This message was unsent" })
    .waitFor({ timeout: 20000 });
  assert.equal(await bubble(ken, "来週の同期会、行きますか？").count(), 0);
  await hanako.getByTestId("message-text").filter({ hasText: "メッセージの送信を取り消しました" }).waitFor();

  // His conversation opens offline after a reload.
  await kenCtx.setOffline(true);
  await ken.reload();
  await bubble(ken, "行きます！").waitFor({ timeout: 15000 });
  await hanakoCtx.close();
  await kenCtx.close();
});

test("a group is made from the directory, its members see each other typing and write, and messages are found offline", async () => {
  const hanakoCtx = await browser.newContext(DESKTOP);
  const hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  const yukiCtx = await browser.newContext(PHONE);
  const yuki = await yukiCtx.newPage();
  await signInThroughUi(yuki, relay.url, "admin@example.com");

  await hanako.getByTestId("nav-messages").click();
  await hanako.getByTestId("new-group").click();
  const create = hanako.getByTestId("create-group");
  assert.equal(await create.isDisabled(), true, "a group needs a name and members");
  await hanako.getByTestId("group-name").fill("2015年入社 同期会");
  for (const person of ["佐藤 健", "中島 由紀"]) {
    await hanako.getByTestId("group-search").fill(person);
    await hanako.getByTestId("group-candidate").filter({ hasText: person }).first().click();
  }
  await hanako.getByTestId("group-picked").getByText("中島 由紀").waitFor();
  await create.click();
  await hanako.getByTestId("chat-title").filter({ hasText: "2015年入社 同期会" }).waitFor({ timeout: 15000 });
  await hanako.getByTestId("composer-input").fill("幹事はシブヤのお店を予約します");
  await hanako.getByTestId("send").click();

  // Yuki's phone hears of the group at once; in a group, others' names show on their messages.
  await yuki.getByTestId("messages-badge").waitFor({ timeout: 20000 });
  await yuki.getByTestId("nav-messages").click();
  await yuki.getByTestId("conversation-row").filter({ hasText: "2015年入社 同期会" }).click();
  const hers = bubble(yuki, "幹事はシブヤのお店を予約します");
  await hers.waitFor({ timeout: 20000 });
  assert.match(await hers.locator(".bubble-author").innerText(), /山田 花子/);
  // While Hanako types, Yuki sees it (never stored); it goes once her message arrives.
  await hanako.getByTestId("composer-input").pressSequentially("お店の候補は", { delay: 100 });
  await yuki.getByTestId("typing").filter({ hasText: "山田 花子 が入力中…" }).waitFor({ timeout: 10000 });
  await hanako.getByTestId("send").click();
  await bubble(yuki, "お店の候補は").waitFor({ timeout: 20000 });
  await yuki.getByTestId("typing").waitFor({ state: "detached", timeout: 10000 });
  await yuki.getByTestId("composer-input").fill("ありがとうございます！");
  await yuki.getByTestId("send").click();
  // Read by Yuki: "既読 1" on Hanako's message (Ken has not opened it).
  await bubble(hanako, "幹事はシブヤのお店を予約します")
    .getByTestId("message-status")
    .filter({ hasText: "Read by 1" })
    .waitFor({ timeout: 20000 });

  // Offline, Yuki finds the message however she types it.
  await yukiCtx.setOffline(true);
  await yuki.getByTestId("chat-back").click();
  await yuki.getByTestId("messages-search").fill("しぶや");
  await yuki.waitForSelector("[data-testid=messages-search-count][data-count='1']");
  await yuki.getByTestId("messages-search-hit").click();
  await yuki.getByTestId("chat-title").filter({ hasText: "2015年入社 同期会" }).waitFor();

  // Back online, she mutes the group (her inbox says so on every device of hers), then leaves it.
  await yukiCtx.setOffline(false);
  await yuki.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 20000 });
  await yuki.getByTestId("mute").click();
  await yuki.waitForSelector("[data-testid=mute][data-muted=true]", { timeout: 15000 });
  yuki.once("dialog", (d) => d.accept());
  await yuki.getByTestId("leave").click();
  await yuki.getByTestId("conversations").waitFor({ timeout: 15000 });
  await yuki.getByTestId("conversation-row").filter({ hasText: "2015年入社 同期会" }).waitFor({ state: "detached", timeout: 15000 });
  await hanakoCtx.close();
  await yukiCtx.close();
});

test("a reported message is hidden by an admin on every phone, and a block silences its sender", async () => {
  const hanakoCtx = await browser.newContext(PHONE);
  const hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");
  const kenCtx = await browser.newContext(DESKTOP);
  const ken = await kenCtx.newPage();
  await signInThroughUi(ken, relay.url, "ken@example.com");
  const yukiCtx = await browser.newContext(DESKTOP);
  const yuki = await yukiCtx.newPage();
  await signInThroughUi(yuki, relay.url, "admin@example.com");

  // Ken writes in the conversation the first test left.
  await ken.getByTestId("nav-messages").click();
  await ken.getByTestId("conversation-row").filter({ hasText: "山田 花子" }).click();
  await ken.getByTestId("composer-input").fill("簡単に儲かる副業があります");
  await ken.getByTestId("send").click();

  await hanako.getByTestId("nav-messages").click();
  await hanako.getByTestId("conversation-row").filter({ hasText: "佐藤 健" }).click();
  const spam = bubble(hanako, "簡単に儲かる副業があります");
  await spam.waitFor({ timeout: 20000 });
  await spam.locator(".bubble").click();
  hanako.once("dialog", (d) => d.accept("勧誘です"));
  await hanako.getByTestId("report").click();
  await hanako.getByTestId("message-notice").waitFor();

  // Yuki, an admin, hides it; its text goes from Hanako's phone and from Ken's own screen.
  await yuki.goto(`${relay.url}/admin/reports`);
  const report = yuki.getByTestId("report").filter({ hasText: "簡単に儲かる副業があります" });
  await report.waitFor({ timeout: 15000 });
  assert.match(await report.innerText(), /勧誘です/);
  yuki.once("dialog", (d) => d.accept());
  await report.getByTestId("report-hide").click();
  await yuki.getByTestId("reports-empty").waitFor({ timeout: 15000 });
  await hanako.getByTestId("message-text").filter({ hasText: "管理者によって非表示にされました" }).waitFor({ timeout: 20000 });
  await ken.getByTestId("message-text").filter({ hasText: "Hidden by an administrator" }).waitFor({ timeout: 20000 });
  assert.equal(await bubble(hanako, "簡単に儲かる副業があります").count(), 0);

  // Hanako blocks Ken: what he writes next does not reach her screen, nor her unread count.
  hanako.once("dialog", (d) => d.accept());
  await hanako.getByTestId("block").click();
  await hanako.getByTestId("chat-blocked").waitFor({ timeout: 15000 });
  await ken.getByTestId("composer-input").fill("ブロックされても届く？");
  await ken.getByTestId("send").click();
  await ken.waitForSelector("[data-testid=sync-indicator][data-state=online]");
  await hanako.getByTestId("chat-back").click();
  await hanako.waitForTimeout(2000);
  assert.equal(await hanako.getByTestId("messages-badge").count(), 0);
  await hanako.getByTestId("conversation-row").filter({ hasText: "佐藤 健" }).click();
  assert.equal(await bubble(hanako, "ブロックされても届く？").count(), 0);
  // Lifted, he is heard again.
  await hanako.getByTestId("block").click();
  await bubble(hanako, "ブロックされても届く？").waitFor({ timeout: 15000 });
  await hanakoCtx.close();
  await kenCtx.close();
  await yukiCtx.close();
});

test("a long conversation opens on its newest page, and older pages come when asked or searched", async () => {
  // A relay of its own whose pages hold three messages.
  const small = await Relay.start({ args: ["--messages-per-page", "3"] });
  try {
    const hanakoCtx = await browser.newContext(DESKTOP);
    const hanako = await hanakoCtx.newPage();
    await signInThroughUi(hanako, small.url, "hanako@example.com");
    await hanako.getByTestId("directory-search").fill("佐藤 健");
    await hanako.getByTestId("person-card").filter({ hasText: "佐藤 健" }).first().click();
    await hanako.getByTestId("person-message").click();
    await hanako.getByTestId("composer").waitFor({ timeout: 15000 });
    // Each message reaches the relay before the next, so the pages turn where they should.
    const write = async (texts) => {
      for (const text of texts) {
        await hanako.getByTestId("composer-input").fill(text);
        await hanako.getByTestId("send").click();
        await bubble(hanako, text).waitFor();
        await hanako.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 15000 });
      }
    };
    await write(["一通目", "二通目", "三通目", "四通目", "五通目", "六通目", "七通目"]);
    // The page turned after the third and the sixth; her chat still shows all seven.
    assert.equal(await hanako.getByTestId("message").count(), 7);

    // A phone of Ken's new to the conversation opens it.
    const kensNewPhone = async () => {
      const ctx = await browser.newContext(PHONE);
      const page = await ctx.newPage();
      await signInThroughUi(page, small.url, "ken@example.com");
      await page.getByTestId("nav-messages").click();
      await page.getByTestId("conversation-row").first().click();
      return [ctx, page];
    };
    // It gets the newest page only, then asks for older.
    const [kenCtx, ken] = await kensNewPhone();
    await bubble(ken, "七通目").waitFor({ timeout: 20000 });
    assert.equal(await ken.getByTestId("message").count(), 1);
    await ken.getByTestId("older-messages").click();
    await bubble(ken, "四通目").waitFor({ timeout: 20000 });
    assert.equal(await ken.getByTestId("message").count(), 4);

    // The search looks at what the phone keeps, says so, and brings the rest when asked.
    await ken.getByTestId("nav-messages").click();
    await ken.getByTestId("messages-search").fill("一通目");
    await ken.waitForSelector("[data-testid=messages-search-count][data-count='0']");
    await ken.getByTestId("messages-search-older").click();
    await ken.waitForSelector("[data-testid=messages-search-count][data-count='1']", { timeout: 20000 });
    await ken.getByTestId("messages-search-older").waitFor({ state: "detached" });
    await ken.getByTestId("messages-search-hit").click();
    await bubble(ken, "一通目").waitFor({ timeout: 20000 });
    assert.equal(await ken.getByTestId("message").count(), 7);
    await ken.getByTestId("older-messages").waitFor({ state: "detached" });

    // Two more fill the third page, and the relay turns a fourth, empty one. A phone new to the
    // conversation opens it on the latest messages, not on an empty page.
    await write(["八通目", "九通目"]);
    const [tabletCtx, tablet] = await kensNewPhone();
    await bubble(tablet, "九通目").waitFor({ timeout: 20000 });
    assert.deepEqual(await tablet.getByTestId("message-text").allTextContents(), ["七通目", "八通目", "九通目"]);
    await tablet.getByTestId("older-messages").waitFor();
    await hanakoCtx.close();
    await kenCtx.close();
    await tabletCtx.close();
  } finally {
    await small.stop();
  }
});

test("an admin's official group is marked on every phone, and only the admin adds members to it", async () => {
  const yukiCtx = await browser.newContext(DESKTOP);
  const yuki = await yukiCtx.newPage();
  await signInThroughUi(yuki, relay.url, "admin@example.com");
  const hanakoCtx = await browser.newContext(PHONE);
  const hanako = await hanakoCtx.newPage();
  await signInThroughUi(hanako, relay.url, "hanako@example.com");

  await yuki.getByTestId("nav-messages").click();
  await yuki.getByTestId("new-group").click();
  await yuki.getByTestId("group-name").fill("アルムナイ事務局");
  await yuki.getByTestId("group-search").fill("山田 花子");
  await yuki.getByTestId("group-candidate").filter({ hasText: "山田 花子" }).first().click();
  await yuki.getByTestId("group-official").check();
  await yuki.getByTestId("create-group").click();
  await yuki.getByTestId("chat-title").filter({ hasText: "アルムナイ事務局" }).getByTestId("official").waitFor({ timeout: 15000 });

  // Hanako sees it marked official, and cannot add anyone to it.
  await hanako.getByTestId("nav-messages").click();
  const row = hanako.getByTestId("conversation-row").filter({ hasText: "アルムナイ事務局" });
  await row.waitFor({ timeout: 20000 });
  assert.match(await row.innerText(), /公式/);
  await row.click();
  await hanako.getByTestId("chat-title").getByTestId("official").waitFor();
  assert.equal(await hanako.getByTestId("add-members-link").count(), 0);

  // Yuki adds Ken from the directory; the group's members on Hanako's phone grow.
  await yuki.getByTestId("add-members-link").click();
  await yuki.getByTestId("add-members-page").waitFor();
  assert.equal(await yuki.getByTestId("group-candidate").filter({ hasText: "山田 花子" }).count(), 0, "members are not offered");
  await yuki.getByTestId("group-search").fill("佐藤 健");
  await yuki.getByTestId("group-candidate").filter({ hasText: "佐藤 健" }).first().click();
  await yuki.getByTestId("add-members").click();
  await yuki.getByTestId("chat-title").filter({ hasText: "アルムナイ事務局" }).waitFor({ timeout: 15000 });
  await yuki.getByTestId("composer-input").fill("佐藤さんが加わりました");
  await yuki.getByTestId("send").click();

  const kenCtx = await browser.newContext(PHONE);
  const ken = await kenCtx.newPage();
  await signInThroughUi(ken, relay.url, "ken@example.com");
  await ken.getByTestId("nav-messages").click();
  await ken.getByTestId("conversation-row").filter({ hasText: "アルムナイ事務局" }).click({ timeout: 20000 });
  await bubble(ken, "佐藤さんが加わりました").waitFor({ timeout: 20000 });
  await bubble(hanako, "佐藤さんが加わりました").waitFor({ timeout: 20000 });
  await yukiCtx.close();
  await hanakoCtx.close();
  await kenCtx.close();
});

test("a group of three, one of them offline, shows one order of messages on every phone", async () => {
  const pages = {};
  const contexts = [];
  for (const [who, email, shape] of [
    ["hanako", "hanako@example.com", DESKTOP],
    ["ken", "ken@example.com", PHONE],
    ["yuki", "admin@example.com", PHONE],
  ]) {
    const ctx = await browser.newContext(shape);
    contexts.push(ctx);
    pages[who] = await ctx.newPage();
    await signInThroughUi(pages[who], relay.url, email);
  }
  const { hanako, ken, yuki } = pages;
  const kenCtx = contexts[1];
  await hanako.getByTestId("nav-messages").click();
  await hanako.getByTestId("new-group").click();
  await hanako.getByTestId("group-name").fill("電車の中の三人");
  for (const person of ["佐藤 健", "中島 由紀"]) {
    await hanako.getByTestId("group-search").fill(person);
    await hanako.getByTestId("group-candidate").filter({ hasText: person }).first().click();
  }
  await hanako.getByTestId("create-group").click();
  await hanako.getByTestId("chat-title").filter({ hasText: "電車の中の三人" }).waitFor({ timeout: 15000 });
  for (const page of [ken, yuki]) {
    await page.getByTestId("nav-messages").click();
    await page.getByTestId("conversation-row").filter({ hasText: "電車の中の三人" }).click({ timeout: 20000 });
    await page.getByTestId("composer").waitFor({ timeout: 15000 });
  }
  await ken.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 20000 });

  // Ken goes into a tunnel; the three write in turns, his two offline.
  await kenCtx.setOffline(true);
  await ken.waitForSelector("[data-testid=sync-indicator][data-state=offline]");
  const say = async (page, text) => {
    await page.getByTestId("composer-input").fill(text);
    await page.getByTestId("send").click();
    await page.getByTestId("message-text").filter({ hasText: text }).waitFor();
    // Each is written a moment after the one before, by every clock.
    await page.waitForTimeout(50);
  };
  await say(ken, "K1 トンネルに入ります");
  await say(hanako, "H1 了解です");
  await say(ken, "K2 まだ圏外です");
  await say(yuki, "Y1 駅で待っています");
  await kenCtx.setOffline(false);

  // Back online, every phone shows the same four in the order they were written.
  const expected = ["K1 トンネルに入ります", "H1 了解です", "K2 まだ圏外です", "Y1 駅で待っています"];
  for (const page of [hanako, ken, yuki]) {
    await page.waitForFunction(
      (expected) => {
        const texts = [...document.querySelectorAll("[data-testid=message-text]")].map((t) => t.textContent);
        return JSON.stringify(texts.filter((t) => /^[HKY]1|^K2/.test(t))) === JSON.stringify(expected);
      },
      expected,
      { timeout: 30000 },
    );
  }
  for (const ctx of contexts) await ctx.close();
});
