// Passkeys, with Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain) in
// place of a phone's screen lock: hanako signs in with her password, adds a passkey in My
// profile, signs out and signs in again with the passkey alone. A browser without her passkey
// cannot, and says so; once she removes the passkey from her account it signs no one in.
//
// Adding a passkey needs a sign-in of the last few minutes. The relay's window cannot be
// shortened from here, so the relay's refusal is played (`page.route` answers the first
// `register/start` with its 403 `reauthentication-required`): the app asks her to confirm it is
// her — with her password, or with her passkey once she has one — signs in again for real, and
// adds the passkey.
//
// Passkeys are bound to a domain name, so these pages open http://localhost:<port>, the origin a
// relay on a loopback address offers them at (127.0.0.1 is an IP address: WebAuthn refuses it).
//
// With TSUNAGU_SCREENSHOTS=<dir>, the sign-in screen and the My-profile section are saved there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Relay } from "../lib/relay.mjs";
import { launch, PHONE, DESKTOP, signInThroughUi } from "../lib/browser.mjs";

const SHOTS = process.env.TSUNAGU_SCREENSHOTS;

let relay, browser, base, phone, phoneAuth;

/** A platform authenticator with user verification, as a phone's screen lock is, on `page`. */
async function virtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}

/** The relay refuses the next passkey registration on `page` for want of a recent sign-in. */
async function refuseNextRegistrationForAnOldSession(page) {
  await page.route(
    "**/api/passkeys/register/start",
    (route) =>
      route.fulfill({
        status: 403,
        contentType: "application/json",
        body: JSON.stringify({ error: "reauthentication-required", message: "sign in again first" }),
      }),
    { times: 1 },
  );
}

/** Signed in and syncing again, with no "sign in again" banner. */
async function syncingAgain(page) {
  await page.waitForSelector("[data-testid=sync-indicator][data-state=online]", { timeout: 20000 });
  assert.equal(await page.getByTestId("session-expired-banner").count(), 0);
}

async function screenshot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name), fullPage: false });
}

async function signOut(page) {
  await page.getByTestId("nav-my-profile").click();
  await page.getByTestId("sign-out").click();
  await page.getByTestId("signin-email").waitFor({ timeout: 15000 });
}

/** Who the relay says is signed in on `page` (null when no one). */
const whoIsSignedIn = (page) =>
  page.evaluate(async () => {
    const res = await fetch("/api/me");
    return res.ok ? (await res.json()).email : null;
  });

before(async () => {
  relay = await Relay.start();
  base = `http://localhost:${relay.port}`;
  browser = await launch();
  phone = await (await browser.newContext(PHONE)).newPage();
  phone.on("dialog", (dialog) => dialog.accept());
  phoneAuth = await virtualAuthenticator(phone);
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

test("hanako adds a passkey in My profile and signs in with it, typing nothing", async () => {
  await phone.goto(base);
  await phone.getByTestId("passkey-sign-in").waitFor();
  // The demo network's sign-ins are public, and said so (only there: first_run.test.mjs).
  await phone.getByTestId("signin-demo-hint").waitFor();
  await screenshot(phone, "phone-signin-passkey.png");

  await signInThroughUi(phone, base, "hanako@example.com");
  await phone.getByTestId("nav-my-profile").click();
  await phone.getByTestId("passkeys-none").waitFor({ timeout: 15000 });
  const cookieBefore = (await phone.context().cookies()).find((c) => c.name === "tsunagu_session").value;

  // Her session is "too old" to add a passkey: she is asked to confirm it is her. Cancelled,
  // nothing happens.
  await refuseNextRegistrationForAnOldSession(phone);
  await phone.getByTestId("passkey-add").click();
  const dialog = phone.getByTestId("reauth-dialog");
  await dialog.getByTestId("reauth-cancel").click();
  await dialog.waitFor({ state: "hidden" });
  await phone.locator("[data-testid=passkey-add]:not([disabled])").waitFor();
  assert.equal(await phone.getByTestId("passkey-error").count(), 0, "no error for changing her mind");
  assert.equal(await phone.getByTestId("passkey").count(), 0);

  await refuseNextRegistrationForAnOldSession(phone);
  await phone.getByTestId("passkey-add").click();
  await dialog.getByTestId("reauth-password").waitFor({ timeout: 15000 });
  assert.equal(await dialog.getByTestId("reauth-email").innerText(), "hanako@example.com");
  assert.equal(await dialog.getByTestId("passkey-sign-in").count(), 0, "no passkey to confirm with yet");
  await screenshot(phone, "phone-reauth.png");
  await dialog.getByTestId("reauth-password").fill("not-her-password");
  await dialog.getByTestId("reauth-submit").click();
  await dialog.getByTestId("reauth-error").waitFor({ timeout: 15000 });
  assert.match(await dialog.getByTestId("reauth-error").innerText(), /パスワードが違います/);
  await dialog.getByTestId("reauth-password").fill("tsunagu-demo");
  await dialog.getByTestId("reauth-submit").click();
  // Confirmed: signed in anew (a new session, the old one ended), and the passkey is added.
  await phone.getByTestId("passkey-added").waitFor({ timeout: 15000 });
  assert.equal(await dialog.isVisible(), false, "the dialog closed");
  const cookieAfter = (await phone.context().cookies()).find((c) => c.name === "tsunagu_session").value;
  assert.notEqual(cookieAfter, cookieBefore, "a new session");
  await syncingAgain(phone);
  await phone.getByTestId("passkey").waitFor({ timeout: 15000 });
  assert.equal(await phone.getByTestId("passkey").count(), 1, "My profile lists the new passkey");
  assert.match(await phone.getByTestId("passkey").innerText(), /Chrome/);

  const made = await phoneAuth.credentials();
  assert.equal(made.length, 1, "the authenticator holds one credential");
  assert.ok(made[0].isResidentCredential, "a discoverable one, so signing in needs no email");
  assert.equal(made[0].rpId, "localhost");
  await phone.getByTestId("passkeys").scrollIntoViewIfNeeded();
  await screenshot(phone, "phone-passkeys.png");

  // Adding the same authenticator twice is refused by the browser, and said so.
  await phone.getByTestId("passkey-add").click();
  await phone.getByTestId("passkey-error").waitFor({ timeout: 15000 });
  assert.equal((await phoneAuth.credentials()).length, 1);

  await signOut(phone);
  assert.equal(await whoIsSignedIn(phone), null);

  await phone.getByTestId("passkey-sign-in").click();
  // Signed out on My profile, so signed in again there: her own profile, her passkey in it.
  await phone.getByTestId("passkey").waitFor({ timeout: 20000 });
  assert.equal(await whoIsSignedIn(phone), "hanako@example.com");
  assert.equal(await phone.getByTestId("signin-password").count(), 0, "no password was asked for");
  await phone.getByTestId("profile-name").waitFor({ timeout: 15000 });
  assert.equal(await phone.getByTestId("profile-name").inputValue(), "山田 花子");
  assert.match(await phone.getByTestId("passkey").innerText(), /最終使用/, "the passkey shows when it was last used");
  assert.ok((await phoneAuth.credentials())[0].signCount >= 1, "the authenticator signed once more");

  // With a passkey, she may confirm it is her with it instead of her password.
  await syncingAgain(phone);
  await refuseNextRegistrationForAnOldSession(phone);
  await phone.getByTestId("passkey-add").click();
  await dialog.getByTestId("passkey-sign-in").click();
  // Confirmed, the add runs again: this authenticator already holds her passkey, and says so.
  await phone.getByTestId("passkey-error").filter({ hasText: /すでに/ }).waitFor({ timeout: 20000 });
  assert.equal(await dialog.isVisible(), false);
  assert.equal(await whoIsSignedIn(phone), "hanako@example.com");
  await syncingAgain(phone);
});

test("a browser without her passkey cannot sign in with one, and is told what to do", async () => {
  const desktop = await (await browser.newContext(DESKTOP)).newPage();
  const auth = await virtualAuthenticator(desktop);
  await desktop.goto(base);
  await desktop.getByTestId("passkey-sign-in").waitFor();
  await screenshot(desktop, "desktop-signin-passkey.png");
  await desktop.getByTestId("passkey-sign-in").click();
  const error = desktop.getByTestId("passkey-error");
  await error.waitFor({ timeout: 20000 });
  assert.match(await error.innerText(), /No passkey was used.*password/);
  assert.equal(await whoIsSignedIn(desktop), null);
  assert.equal((await auth.credentials()).length, 0);
  await desktop.context().close();
});

test("a passkey removed from her account signs no one in", async () => {
  // Still signed in on the phone with the passkey, from the first test.
  await phone.getByTestId("passkey-remove").click();
  await phone.getByTestId("passkeys-none").waitFor({ timeout: 15000 });
  await signOut(phone);

  await phone.getByTestId("passkey-sign-in").click();
  const error = phone.getByTestId("passkey-error");
  await error.waitFor({ timeout: 20000 });
  assert.match(await error.innerText(), /登録されていません/);
  assert.equal(await whoIsSignedIn(phone), null);
});

test("passkeys are offered only where they can work", async () => {
  // At 127.0.0.1 the browser would refuse the relay's `localhost` passkeys: the button says where
  // they work instead of failing obscurely.
  const page = await (await browser.newContext(DESKTOP)).newPage();
  await virtualAuthenticator(page);
  await page.goto(relay.url);
  await page.getByTestId("passkey-sign-in").click();
  const error = page.getByTestId("passkey-error");
  await error.waitFor({ timeout: 15000 });
  assert.match(await error.innerText(), new RegExp(`Passkeys work only at this address.*${base}`));
  await page.context().close();
});
