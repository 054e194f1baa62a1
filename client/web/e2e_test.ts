/**
 * The web app in Chromium, two users in two browser contexts against a real system (worker and
 * two gateways as child processes): register, a wrong password, chat with delivered/read marks,
 * recall, reload with history paged in on scroll, and a killed gateway the page reconnects from
 * without losing what either side typed. Screenshots go to artifacts/screenshots/.
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { missingTool, testEnv } from "@im/shared/testing";
import { AuthApi } from "../http.ts";
import { ImClient } from "../client.ts";
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
const NAME = "web: two users chat, read marks, recall, history, and a gateway killed under a page";

Deno.test({
  name: NAME,
  // Needs Chromium (Debian's `chromium`; .ci/run installs it): skipped, saying so, without it.
  ignore: await missingTool(NAME, CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // Always test the current sources: the build takes about a second.
    await buildWebApp();
    const env = await testEnv({ partitions: 4 });
    const gwPorts = [freePort(), freePort()];
    const front = startFront(() => gwPorts);
    const origin = `http://127.0.0.1:${front.addr.port}`;
    const base = processEnv(env, { ORIGIN_ALLOWLIST: origin });
    const worker = new Proc("worker", "workers/main.ts", { ...base, WORKER_PORT: "0" });
    const gateways = gwPorts.map((port, i) =>
      new Proc(`gateway${i + 1}`, "gateway/main.ts", {
        ...base,
        PORT: String(port),
        GATEWAY_ID: `e2e-g${i + 1}`,
      }, port)
    );
    let browser: Browser | null = null;
    try {
      await worker.start();
      await Promise.all(gateways.map((g) => g.start()));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const a = await (await browser.newContext({ viewport: { width: 1100, height: 720 } }))
        .newPage();
      const b = await (await browser.newContext({
        viewport: { width: 390, height: 780 },
        isMobile: true,
        hasTouch: true,
      })).newPage();
      const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
      const alice = `alice_${tag}`, bob = `bob_${tag}`;

      await t.step("register both users; a wrong password is refused in plain words", async () => {
        await register(a, origin, alice, "Alice");
        await shot(a, "01-desktop-empty");
        await register(b, origin, bob, "Bob");
        await b.getByRole("button", { name: "Log out" }).click();
        await login(b, bob, "not my password");
        await b.getByRole("alert").filter({ hasText: "Wrong username or password." }).waitFor();
        await shot(b, "02-phone-wrong-password");
        await login(b, bob, PASSWORD);
        await b.getByTestId("me").waitFor();
      });

      await t.step("alice writes; bob sees an unread count, reads; alice sees read", async () => {
        await a.getByTestId("new-chat").fill(bob);
        await a.getByTestId("new-chat").press("Enter");
        await send(a, "Hi Bob!");
        const mine = a.getByTestId("msg").filter({ hasText: "Hi Bob!" });
        await waitAttr(mine, "data-status", ["sent", "delivered", "read"]);
        const conv = b.getByTestId("conv").first();
        await conv.getByTestId("unread").filter({ hasText: "1" }).waitFor();
        await shot(b, "03-phone-list-unread");
        await conv.click();
        await b.getByTestId("msg").filter({ hasText: "Hi Bob!" }).waitFor();
        await waitAttr(mine, "data-status", ["read"]);
        await send(b, "Hello Alice, good to see you here.");
        await a.getByTestId("msg").filter({ hasText: "good to see you" }).waitFor();
        await shot(a, "04-desktop-chat-read");
        await shot(b, "05-phone-chat");
      });

      await t.step("alice recalls a message; it disappears on both sides", async () => {
        await send(a, "This was a mistake");
        const msg = a.getByTestId("msg").filter({ hasText: "This was a mistake" });
        await waitAttr(msg, "data-status", ["sent", "delivered", "read"]);
        await b.getByTestId("msg").filter({ hasText: "This was a mistake" }).waitFor();
        await msg.getByRole("button", { name: "Recall" }).click();
        await a.getByTestId("msg").filter({ hasText: "You recalled a message" }).waitFor();
        await b.getByTestId("msg").filter({ hasText: "Message recalled" }).waitFor();
        assert.equal(await b.getByText("This was a mistake").count(), 0);
        await shot(b, "06-phone-recalled");
      });

      await t.step(
        "alice searches Chinese and English words; matches are highlighted",
        async () => {
          await send(b, "大家你好啊，明天见");
          await a.getByTestId("msg").filter({ hasText: "明天见" }).waitFor();
          const hit = await searchFor(a, "你好");
          assert.equal(await hit.locator("mark").first().textContent(), "你好");
          const english = await searchFor(a, "GOOD");
          assert.match((await english.textContent())!, /good to see you/);
          assert.equal(await english.locator("mark").first().textContent(), "good");
          assert.equal(await (await results(a, "mistake")).count(), 0, "recalled: not found");
          await shot(a, "07-desktop-search");
          await a.getByRole("button", { name: "Close" }).click();
        },
      );

      await t.step(
        "after a reload the chat is back; older messages page in on scroll",
        async () => {
          // Bob's second device (the SDK in this process) fills the conversation.
          const api = new AuthApi(origin);
          const bot = new ImClient({
            api,
            session: await api.login({ username: bob, password: PASSWORD, deviceId: "bot" }),
          });
          await bot.connect();
          const aliceId = (await api.userByName(bot.session.accessToken, alice)).userId;
          for (let i = 1; i <= 45; i++) await bot.send(aliceId, `bulk ${i}`);
          bot.close();
          await a.getByTestId("msg").filter({ hasText: /^bulk 45/ }).waitFor();
          await a.waitForTimeout(1500); // the app saves its cursors a second after a change
          await a.reload();
          await a.getByTestId("msg").filter({ hasText: /^bulk 45/ }).waitFor();
          assert.equal(await a.getByTestId("msg").filter({ hasText: "Hi Bob!" }).count(), 0);
          const list = a.getByTestId("messages");
          for (let i = 0; i < 20; i++) {
            if (await a.getByText("Beginning of the conversation").count()) break;
            await list.evaluate((el) => (el.scrollTop = 0));
            await a.waitForTimeout(300);
          }
          await a.getByTestId("msg").filter({ hasText: "Hi Bob!" }).waitFor();
          await shot(a, "07-desktop-history");
        },
      );

      await t.step("a search hit opens the conversation at that message", async () => {
        await a.reload(); // only the newest messages are held again
        await a.getByTestId("msg").filter({ hasText: /^bulk 45/ }).waitFor();
        assert.equal(await a.getByTestId("msg").filter({ hasText: "明天见" }).count(), 0);
        const hit = await searchFor(a, "你好");
        await hit.click();
        const target = a.getByTestId("msg").filter({ hasText: "大家你好啊" });
        await waitAttr(target, "data-focused", [""]);
        assert.ok(await target.isVisible());
        await shot(a, "07b-desktop-search-hit-opened");
      });

      await t.step(
        "alice's gateway dies: the page says so, keeps her text, and catches up",
        async () => {
          const wsUrl = await a.evaluate(() =>
            JSON.parse(localStorage.getItem("im.session")!).wsUrl
          );
          const dead = gateways.find((g) => wsUrl.includes(`:${g.port}/`))!;
          await dead.kill("SIGKILL");
          const banner = a.getByTestId("conn");
          await waitAttr(banner, "data-state", ["reconnecting"], 20_000);
          await send(a, "typed while offline");
          const pending = a.getByTestId("msg").filter({ hasText: "typed while offline" });
          assert.equal(await pending.getAttribute("data-status"), "sending");
          await send(b, "Are you back?");
          await shot(a, "08-desktop-reconnecting");
          await dead.start();
          await waitAttr(banner, "data-state", ["online"], 45_000);
          await a.getByTestId("msg").filter({ hasText: "Are you back?" }).waitFor({
            timeout: 20_000,
          });
          await waitAttr(pending, "data-status", ["sent", "delivered", "read"], 20_000);
          await b.getByTestId("msg").filter({ hasText: "typed while offline" }).waitFor({
            timeout: 30_000,
          });
          await shot(a, "09-desktop-caught-up");
          await shot(b, "10-phone-caught-up");
        },
      );
    } finally {
      await browser?.close();
      await Promise.all(gateways.map((g) => g.kill("SIGTERM")));
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

async function login(page: Page, username: string, password: string) {
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** The hits of a search typed into the box (the index trails a send by up to ~200 ms). */
async function results(page: Page, words: string) {
  await page.getByTestId("search").fill(words);
  await page.getByTestId("search-go").click();
  await page.locator(`[data-testid="results"][data-loading="false"][data-query="${words}"]`)
    .waitFor();
  return page.getByTestId("hit");
}

async function searchFor(page: Page, words: string) {
  for (let i = 0; i < 20; i++) {
    const hits = await results(page, words);
    if (await hits.count()) return hits.first();
    await page.waitForTimeout(250);
  }
  throw new Error(`no hit for ${words}`);
}

async function send(page: Page, text: string) {
  const box = page.getByTestId("composer");
  await box.fill(text);
  await box.press("Enter");
}
