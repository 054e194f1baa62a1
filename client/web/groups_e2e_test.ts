/**
 * Groups in the web app, three users in three browser contexts against a real system (worker
 * and gateway as child processes): alice creates a group with bob and carol, mentions bob,
 * sees who read her message, and removes carol, who stops receiving. Screenshots go to
 * artifacts/screenshots/.
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
} from "./e2e_support.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const PASSWORD = "correct horse battery";
const NAME = "web groups: create with three users, a mention, read by, and a kick";

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
    const base = processEnv(env, { ORIGIN_ALLOWLIST: origin });
    const worker = new Proc("groups-worker", "workers/main.ts", { ...base, WORKER_PORT: "0" });
    const gateway = new Proc("groups-gateway", "gateway/main.ts", {
      ...base,
      PORT: String(port),
      GATEWAY_ID: "e2e-groups",
    }, port);
    let browser: Browser | null = null;
    try {
      await worker.start();
      await gateway.start();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const page = async () =>
        await (await browser!.newContext({ viewport: { width: 1100, height: 720 } })).newPage();
      const [a, b, c] = [await page(), await page(), await page()];
      const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
      const [alice, bob, carol] = ["alice", "bob", "carol"].map((n) => `${n}_${tag}`);
      await register(a, origin, alice, "Alice");
      await register(b, origin, bob, "Bob");
      await register(c, origin, carol, "Carol");

      await t.step("alice creates a group with bob and carol; all three see it", async () => {
        await a.getByTestId("new-group-name").fill("Crew");
        await a.getByTestId("new-group-members").fill(`${bob}, ${carol}`);
        await a.getByRole("button", { name: "Create group" }).click();
        await a.getByTestId("chat-title").filter({ hasText: "Crew" }).waitFor();
        await a.getByTestId("notice").filter({ hasText: "You created the group" }).waitFor();
        for (const p of [b, c]) {
          const conv = p.getByTestId("conv").filter({ hasText: "Crew" });
          await conv.waitFor();
          await conv.click();
          await p.getByTestId("notice").filter({ hasText: "Alice created the group" }).waitFor();
        }
        await shot(a, "g1-desktop-group-created");
      });

      await t.step("alice mentions bob with the picker; bob's list shows the mention", async () => {
        await b.evaluate(() => (location.hash = "")); // bob looks at his list, not the group
        const box = a.getByTestId("composer");
        await box.fill("see this @Bo");
        await a.getByTestId("mention-option").filter({ hasText: "@Bob" }).click();
        assert.equal(await box.inputValue(), "see this @Bob ");
        await box.press("End");
        await box.type("thanks");
        await box.press("Enter");
        await a.getByTestId("msg").filter({ hasText: "see this @Bob thanks" }).waitFor();
        const conv = b.getByTestId("conv").filter({ hasText: "Crew" });
        await conv.getByTestId("mentioned").waitFor();
        await shot(b, "g2-desktop-mentioned");
        await conv.click();
        await b.getByTestId("msg").filter({ hasText: "see this @Bob thanks" }).waitFor();
      });

      await t.step("bob read it: alice sees read by 1, and who on click", async () => {
        const mine = a.getByTestId("msg").filter({ hasText: "see this @Bob thanks" });
        await mine.getByTestId("read-by").filter({ hasText: /Read by [12]/ }).waitFor({
          timeout: 20_000,
        });
        await mine.getByTestId("read-by").click();
        await mine.getByTestId("readers").filter({ hasText: "Bob" }).waitFor();
        await shot(a, "g3-desktop-read-by");
      });

      await t.step("alice removes carol, who hears of it and gets nothing after", async () => {
        await a.getByTestId("members-toggle").click();
        const row = a.getByTestId("member").filter({ hasText: "Carol" });
        await row.getByTestId("kick").click();
        await a.getByTestId("notice").filter({ hasText: "You removed Carol" }).waitFor();
        await c.getByTestId("notice").filter({ hasText: "Alice removed you" }).waitFor();
        await c.getByTestId("not-member").waitFor();
        await a.getByTestId("composer").fill("only for bob now");
        await a.getByTestId("composer").press("Enter");
        await b.getByTestId("msg").filter({ hasText: "only for bob now" }).waitFor();
        await c.waitForTimeout(1500);
        assert.equal(await c.getByText("only for bob now").count(), 0);
        await shot(a, "g4-desktop-members-kicked");
        await shot(c, "g5-desktop-removed");
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
