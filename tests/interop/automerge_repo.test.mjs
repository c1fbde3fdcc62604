// Interop: the real JS automerge-repo client (@automerge/automerge-repo with its websocket
// adapter) signs in and syncs a profile document with the tsunagu relay, in both directions.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateAutomergeUrl } from "@automerge/automerge-repo";
import { signIn, jsRepo, eventually } from "../lib/automerge_repo.mjs";
import { Relay } from "../lib/relay.mjs";

let relay;
const repos = [];
before(async () => {
  relay = await Relay.start();
});
after(async () => {
  for (const { repo } of repos) await repo.shutdown();
  await relay?.stop();
});

test("a JS automerge-repo client reads a profile from the relay and its edit reaches another client", async () => {
  const hanako = await signIn(relay.url, "hanako@example.com");
  const ken = await signIn(relay.url, "ken@example.com");
  const url = `automerge:${hanako.me.profile_doc}`;

  const a = jsRepo(relay.url, hanako.cookie, "hanako-js");
  repos.push(a);
  const mine = await a.repo.find(url);
  assert.equal(String(mine.doc().name), "山田 花子", "relay → JS: the seeded profile arrives");

  const stamp = `JS interop ${Date.now()}`;
  mine.change((d) => {
    d.title = stamp;
  });

  // JS → relay → another signed-in JS client.
  const b = jsRepo(relay.url, ken.cookie, "ken-js");
  repos.push(b);
  const theirs = await b.repo.find(url);
  await eventually(() => theirs.doc()?.title === stamp, 5000, "ken to see hanako's edit");

  // And the other way: a live edit on the relay side reaches the first client.
  const direct = await b.repo.find(`automerge:${ken.me.profile_doc}`);
  direct.change((d) => {
    d.location = "那覇市";
  });
  const seenByHanako = await a.repo.find(`automerge:${ken.me.profile_doc}`);
  await eventually(() => seenByHanako.doc()?.location === "那覇市", 5000, "hanako to see ken's edit");
});

test("a document the relay does not hold is unavailable to a JS client", async () => {
  const { cookie } = await signIn(relay.url, "hanako@example.com");
  const c = jsRepo(relay.url, cookie, "hanako-js-2");
  repos.push(c);
  await assert.rejects(c.repo.find(generateAutomergeUrl()), /unavailable/i);
});

test("JS automerge-repo clients chat on a conversation's page, each under their own key", async () => {
  const hanako = await signIn(relay.url, "hanako@example.com");
  const ken = await signIn(relay.url, "ken@example.com");
  const started = await fetch(`${relay.url}/api/conversations`, {
    method: "POST",
    headers: { cookie: hanako.cookie, "content-type": "application/json" },
    body: JSON.stringify({ members: [ken.me.user_id] }),
  });
  assert.equal(started.status, 200);
  const { conversation, pages } = await started.json();
  const pageUrl = `automerge:${pages[0]}`;

  const a = jsRepo(relay.url, hanako.cookie, "hanako-js-chat");
  const b = jsRepo(relay.url, ken.cookie, "ken-js-chat");
  repos.push(a, b);
  const who = await a.repo.find(`automerge:${conversation}`);
  assert.deepEqual(Object.keys(who.doc().members).sort(), [hanako.me.user_id, ken.me.user_id].sort());
  const hers = await a.repo.find(pageUrl);
  hers.change((d) => {
    d.messages[hanako.me.user_id]["js-1"] = { text: "JSからこんにちは", at: Date.now() };
  });
  const his = await b.repo.find(pageUrl);
  await eventually(
    () => String(his.doc()?.messages?.[hanako.me.user_id]?.["js-1"]?.text ?? "") === "JSからこんにちは",
    5000,
    "ken to see hanako's message",
  );
});
