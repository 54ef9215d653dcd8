// The dashboard in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): the page
// loads, a message the CLI sends after load appears within a second, HTML in a message is shown as text,
// secure mode asks for sign-in, the link of el-ipc dashboard signs in, and a message signed in the page
// (Web Crypto Ed25519) is stored as signed. EL_IPC_SCREENSHOTS=<folder> keeps screenshots there (docs/).
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { runCli, tempDb } from "../helpers/cli.js";
import { type ListeningServer, listeningServer } from "../helpers/http.js";
import { type SecureServer, secureServer } from "../security/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const SKIP = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is absent (apt-get install chromium to run the browser tests)`;
const shots = process.env.EL_IPC_SCREENSHOTS;

async function launch(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking"],
  });
}

/** Collects what the page logs as errors (a CSP violation shows up here). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return errors;
}

async function shot(page: Page, name: string): Promise<void> {
  if (shots) await page.screenshot({ path: join(shots, name), fullPage: true });
}

describe("dashboard in Chromium, open mode on loopback", { skip: SKIP }, () => {
  let browser: Browser;
  let s: ListeningServer;
  before(async () => {
    browser = await launch();
    s = await listeningServer();
    await s.queue.send({ channel: "general", sender: "alice", content: "hello from alice" });
    await s.queue.read({ kind: "anonymous" }, { channels: ["general"], agent: "bob" });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it("loads, shows a message the CLI sends after load within a second, and shows HTML as text", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${s.url}/ui`);
    await page.getByText("hello from alice").waitFor();
    await page.locator("#live-state", { hasText: "live" }).waitFor();
    const html = '<img src=x onerror="window.__owned=1"><b id="bold">bold?</b>';
    const db = tempDb();
    try {
      const sent = await runCli(["send", "general", "carol", html], { ...db.env, IPC_DB_PATH: s.dbPath });
      assert.equal(sent.code, 0, sent.stderr);
      const at = Date.now();
      await page.locator("#messages li .content", { hasText: "bold?" }).waitFor({ timeout: 1000 });
      assert.ok(Date.now() - at < 1000, `appeared after ${Date.now() - at} ms`);
    } finally {
      db.cleanup();
    }
    const last = page.locator("#messages li .content").last();
    assert.equal(await last.textContent(), html);
    assert.equal(await page.locator("#messages #bold, #messages img").count(), 0);
    assert.equal(await page.evaluate("window.__owned"), undefined);
    assert.equal(await page.locator("#unread td", { hasText: "bob" }).count(), 1);
    await shot(page, "dashboard.png");
    await page.close();
    assert.deepEqual(errors, []);
  });

  it("is usable from the keyboard and readable in a narrow window", async () => {
    const page = await browser.newPage({ viewport: { width: 380, height: 800 } });
    await page.goto(`${s.url}/ui`);
    await page.getByText("hello from alice").waitFor();
    // Nothing runs off the side: tables scroll inside their box.
    const overflow = (await page.evaluate(
      "document.documentElement.scrollWidth - window.innerWidth",
    )) as number;
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
    // Tab reaches the channel buttons and the form; Enter on a channel opens it.
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      reached.push(
        (await page.evaluate(
          "document.activeElement.tagName + ':' + (document.activeElement.textContent || '')",
        )) as string,
      );
    }
    assert.ok(
      reached.some((r) => r === "BUTTON:general"),
      reached.join(" | "),
    );
    assert.ok(
      reached.some((r) => r.startsWith("INPUT")),
      reached.join(" | "),
    );
    await shot(page, "dashboard-narrow.png");
    await page.close();
  });
});

describe("dashboard in Chromium, secure mode", { skip: SKIP }, () => {
  let browser: Browser;
  let s: SecureServer;
  let dir: string;
  before(async () => {
    browser = await launch();
    s = await secureServer({ listen: true });
    dir = mkdtempSync(join(tmpdir(), "el-ipc-ui-"));
    writeFileSync(join(dir, "op.key"), s.op.privatePem, { mode: 0o600 });
    await s.send("bob", "builds", "build 42 passed");
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("asks for sign-in, signs in with the link of el-ipc dashboard, and sends a message signed in the page", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    const first = await page.goto(`${s.url}/ui`);
    assert.equal(first?.status(), 401);
    await page.getByText("Sign-in is required").waitFor();
    assert.equal(await page.locator("#channels").count(), 0);
    await shot(page, "dashboard-sign-in.png");

    const db = tempDb();
    let link = "";
    try {
      const r = await runCli(
        ["dashboard", "--as", "op-main", "--key", join(dir, "op.key"), "--server", s.url],
        db.env,
      );
      assert.equal(r.code, 0, r.stderr);
      link = r.stdout.split("\n")[0] ?? "";
    } finally {
      db.cleanup();
    }
    assert.match(link, /\/ui\/sign-in\?code=[A-Za-z0-9_-]{22}$/);
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("signed in as op-main").waitFor();
    await page.getByRole("button", { name: "builds" }).click();
    await page.getByText("build 42 passed").waitFor();

    // A message signed in the page with alice's key; the key goes into the form, never over the wire.
    const alice = s.keys.alice?.privatePem ?? "";
    const posted: string[] = [];
    page.on("request", (req) => posted.push(req.postData() ?? ""));
    await page.fill("input[name=channel]", "builds");
    await page.fill("input[name=sender]", "alice");
    await page.fill("textarea[name=content]", "deploying 42");
    await page.fill("textarea[name=key]", alice);
    await page.getByRole("button", { name: "Sign and send" }).click();
    await page.getByText(/sent #\d+, signed/).waitFor();
    await page.locator("#messages li", { hasText: "deploying 42" }).locator(".badge.signed").waitFor();
    const keyBody = alice.split("\n")[1] ?? "";
    assert.ok(keyBody.length > 20);
    assert.ok(!posted.some((p) => p.includes(keyBody)), "the private key left the page");
    const stored = await s.read("herald", "builds");
    assert.equal(stored.find((m) => m.content === "deploying 42")?.signed, true);
    await page.fill("textarea[name=key]", "");
    await shot(page, "dashboard-secure.png");

    // The same link again signs nobody in.
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(/unknown, used or expired/).waitFor();
    await page.close();
    assert.deepEqual(
      errors.filter((e) => !/status of 401/.test(e)),
      [],
    );
  });
});
