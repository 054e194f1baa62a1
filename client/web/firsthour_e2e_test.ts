/**
 * What a person expects in the first hour, clicked through in Chromium against a real system
 * (worker and gateway as child processes, MAX_BODY_CHARS=120 so the limit is the server's, not
 * the app's): a too-long text is counted and refused, never cut; times in the list and days in
 * the conversation; delivered and read told apart in words; the connection state in words; and
 * the unread count in the page title.
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { missingTool, testEnv } from "@im/shared/testing";
import {
  buildWebApp,
  CHROMIUM_ARGS,
  freePort,
  Proc,
  processEnv,
  shot,
  startFront,
  waitAttr,
} from "./e2e_support.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const PASSWORD = "correct horse battery";
const NAME = "web first hour: server length limit, list times, days, marks, connection, title";
const LIMIT = 120;

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await buildWebApp();
    const env = await testEnv({ partitions: 4 });
    const port = freePort();
    const front = startFront(() => [port]);
    const origin = `http://127.0.0.1:${front.addr.port}`;
    const base = processEnv(env, {
      ORIGIN_ALLOWLIST: origin,
      MAX_BODY_CHARS: String(LIMIT),
      RECALL_WINDOW_SEC: "0", // so no Recall button may show: the app must take it from hello
      // The page's clock moves a day ahead at the end; its session must still look alive.
      REFRESH_TTL_SEC: String(7 * 86400),
    });
    const worker = new Proc("firsthour-worker", "workers/main.ts", { ...base, WORKER_PORT: "0" });
    const gateway = new Proc("firsthour-gateway", "gateway/main.ts", {
      ...base,
      PORT: String(port),
      GATEWAY_ID: "e2e-firsthour",
    }, port);
    let browser: Browser | null = null;
    try {
      await worker.start();
      await gateway.start();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const ctxA = await browser.newContext({ viewport: { width: 1100, height: 720 } });
      const a = await ctxA.newPage();
      const b = await (await browser.newContext({ viewport: { width: 1100, height: 720 } }))
        .newPage();
      const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
      const alice = `alice_${tag}`, bob = `bob_${tag}`;
      await register(a, origin, alice, "Alice");
      await register(b, origin, bob, "Bob");

      await t.step("the top bar says Connected in words", async () => {
        await a.getByTestId("conn-state").filter({ hasText: "Connected" }).waitFor();
        await b.getByTestId("conn-state").filter({ hasText: "Connected" }).waitFor();
      });

      await t.step("a text over the server's limit is counted and refused, not cut", async () => {
        await a.getByTestId("new-chat").fill(bob);
        await a.getByTestId("new-chat").press("Enter");
        await a.getByTestId("chat-title").filter({ hasText: "Bob" }).waitFor();
        const box = a.getByTestId("composer");
        const count = a.getByTestId("composer-count");
        const sendButton = a.getByRole("button", { name: "Send", exact: true });
        await box.fill("x".repeat(100));
        await count.filter({ hasText: `100 / ${LIMIT}` }).waitFor();
        // Emoji are two UTF-16 units each: the server counts code points, and so does the app.
        const long = "😀".repeat(LIMIT + 5);
        await box.fill(long);
        await count.filter({
          hasText: `Too long to send: ${LIMIT + 5} characters, the limit is ${LIMIT}. Remove 5.`,
        }).waitFor();
        assert.equal(await box.inputValue(), long, "the text is kept whole");
        assert.ok(await sendButton.isDisabled());
        await box.press("Enter"); // refused: nothing goes out
        await shot(a, "fh1-desktop-too-long");
        const fits = "😀".repeat(LIMIT);
        await box.fill(fits);
        await count.filter({ hasText: `${LIMIT} / ${LIMIT}` }).waitFor();
        assert.ok(await sendButton.isEnabled());
        await box.press("Enter");
        const mine = a.getByTestId("msg").filter({ hasText: fits });
        await waitAttr(mine, "data-status", ["sent", "delivered", "read"]);
        assert.equal(await a.getByTestId("msg").count(), 1, "only the text that fits was sent");
        assert.equal(await box.inputValue(), "");
        assert.ok(await count.isHidden());
        // The recall window is the server's too: 0 here, so no Recall; editing stays (900 s).
        assert.equal(await mine.getByRole("button", { name: "Recall" }).count(), 0);
        assert.equal(await mine.getByRole("button", { name: "Edit" }).count(), 1);
      });

      await t.step("delivered, then read: two ticks, then the word Read", async () => {
        const mine = a.getByTestId("msg").first();
        await waitAttr(mine, "data-status", ["delivered"]); // bob is online, chat not open
        const mark = mine.getByTestId("mark");
        assert.equal(await mark.getAttribute("title"), "Delivered");
        assert.equal((await mark.textContent())?.trim(), "✓✓");
        await send(a, "second one");
        await b.waitForFunction('document.title === "(2) Chat"');
        await shot(b, "fh2-desktop-unread-title");
        await b.getByTestId("conv").first().click();
        await b.getByTestId("msg").filter({ hasText: "second one" }).waitFor();
        await waitAttr(mine, "data-status", ["read"]);
        assert.equal(await mark.getAttribute("title"), "Read");
        assert.equal((await mark.textContent())?.trim(), "✓✓Read");
        await b.waitForFunction('document.title === "Chat"');
        await shot(a, "fh3-desktop-read");
      });

      await t.step("the list shows the last message's time; the chat a Today line", async () => {
        const last = a.getByTestId("msg").filter({ hasText: "second one" }).locator("time");
        const time = (await last.textContent())!;
        await a.getByTestId("conv").first().getByTestId("conv-time").filter({ hasText: time })
          .waitFor();
        assert.deepEqual(await a.getByTestId("day").allTextContents(), ["Today"]);
      });

      await t.step("connection words: Reconnecting…, Offline, then Connected", async () => {
        const words = a.getByTestId("conn-state");
        await gateway.kill("SIGKILL");
        await words.filter({ hasText: "Reconnecting…" }).waitFor({ timeout: 20_000 });
        await ctxA.setOffline(true);
        await words.filter({ hasText: "Offline" }).waitFor();
        await shot(a, "fh4-desktop-offline");
        await ctxA.setOffline(false);
        await gateway.start();
        await words.filter({ hasText: "Connected" }).waitFor({ timeout: 45_000 });
      });

      await t.step("a day later the same messages sit under Yesterday", async () => {
        await a.clock.install({ time: new Date(Date.now() + 24 * 60 * 60 * 1000) });
        await a.reload();
        await a.getByTestId("msg").filter({ hasText: "second one" }).waitFor();
        assert.deepEqual(await a.getByTestId("day").allTextContents(), ["Yesterday"]);
        await a.getByTestId("conv").first().getByTestId("conv-time")
          .filter({ hasText: "Yesterday" }).waitFor();
        await shot(a, "fh5-desktop-yesterday");
      });
    } finally {
      await browser?.close();
      await gateway.kill("SIGTERM");
      await worker.kill("SIGTERM");
      await front.shutdown();
      await env.close();
    }
  },
});

async function register(page: Page, origin: string, username: string, nickname: string) {
  await page.goto(origin);
  await page.getByRole("button", { name: "New here? Create an account" }).click();
  await page.locator("#username").fill(username);
  await page.locator("#nickname").fill(nickname);
  await page.locator("#password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("me").filter({ hasText: nickname }).waitFor();
}

async function send(page: Page, text: string) {
  const box = page.getByTestId("composer");
  await box.fill(text);
  await box.press("Enter");
}
