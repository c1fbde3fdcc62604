// Debian's Chromium driven by playwright-core (Playwright cannot download browsers here).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--no-first-run",
];

/** A headless Chromium; each context gets its own fresh profile. `extraArgs`: e.g. a camera. */
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * A browser with its own fresh, persistent profile, as an installed PWA has (Chromium refuses to
 * install from an incognito-like context, which is what `browser.newContext()` gives).
 */
export function launchProfile(options) {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "tsunagu-chromium-")), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

export const PHONE = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: "ja-JP",
  serviceWorkers: "allow",
};

export const DESKTOP = { viewport: { width: 1280, height: 800 }, locale: "en-US", serviceWorkers: "allow" };

/** Signs in through the app's sign-in screen and waits for the directory. */
export async function signInThroughUi(page, base, email, password = "tsunagu-demo") {
  await page.goto(base);
  await page.getByTestId("signin-email").fill(email);
  await page.getByTestId("signin-password").fill(password);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("person-card").first().waitFor({ timeout: 20000 });
}

/** A PNG picture `width` × `height` drawn in `page` (a gradient, as a camera photo would be large),
 * for a file input's `setInputFiles`. */
export async function picture(page, width, height) {
  const bytes = await page.evaluate(
    async ([w, h]) => {
      const canvas = new OffscreenCanvas(w, h);
      const g = canvas.getContext("2d");
      const gradient = g.createLinearGradient(0, 0, w, h);
      gradient.addColorStop(0, "#e8553e");
      gradient.addColorStop(1, "#2b6cb0");
      g.fillStyle = gradient;
      g.fillRect(0, 0, w, h);
      const blob = await canvas.convertToBlob({ type: "image/png" });
      return [...new Uint8Array(await blob.arrayBuffer())];
    },
    [width, height],
  );
  return { name: "IMG_0042.png", mimeType: "image/png", buffer: Buffer.from(bytes) };
}
