/**
 * Friends, blocks and the server's conversation list in Chromium against a real system (worker
 * and gateway as child processes): a friend request accepted on one of alice's devices shows on
 * her other one at once; a pin made on one device appears on the other; a block refuses bob's
 * message; and the devices page signs her other device out. Screenshots go to
 * artifacts/screenshots/social-*.png.
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
const NAME =
  "web: a friend request accepted on one device is seen on the other; pin; block; sign-out";

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
    const worker = new Proc("social-worker", "workers/main.ts", { ...base, WORKER_PORT: "0" });
    const gateway = new Proc("social-gateway", "gateway/main.ts", {
      ...base,
      PORT: String(port),
      GATEWAY_ID: "e2e-social",
    }, port);
    let browser: Browser | null = null;
    try {
      await worker.start();
      await gateway.start();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const page = async () => {
        const p = await (await browser!.newContext({ viewport: { width: 1100, height: 720 } }))
          .newPage();
        p.on("dialog", (d) => d.accept()); // confirm() of block and delete
        return p;
      };
      const [a1, a2, b] = [await page(), await page(), await page()];
      const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
      const alice = `alice_${tag}`, bob = `bob_${tag}`;

      await t.step("alice on two devices, bob on one", async () => {
        await register(a1, origin, alice, "Alice");
        await register(b, origin, bob, "Bob");
        await a2.goto(origin);
        await a2.locator("#username").fill(alice);
        await a2.locator("#password").fill(PASSWORD);
        await a2.getByRole("button", { name: "Log in" }).click();
        await a2.getByTestId("me").filter({ hasText: "Alice" }).waitFor();
      });

      await t.step(
        "bob asks; alice accepts on one device and the other shows it at once",
        async () => {
          for (const p of [a1, a2, b]) await p.getByTestId("nav-friends").click();
          const form = b.getByTestId("add-friend");
          await form.getByLabel("Username to add").fill(alice);
          await form.getByLabel("Message with the request").fill("Hi, it's Bob");
          await form.getByRole("button", { name: "Add friend" }).click();
          await form.getByRole("status").filter({ hasText: "Request sent." }).waitFor();
          const request = a1.getByTestId("incoming").filter({ hasText: "Hi, it's Bob" });
          await request.waitFor();
          await a2.getByTestId("incoming").filter({ hasText: "Bob" }).waitFor();
          await shot(a1, "social-01-request");
          await request.getByRole("button", { name: "Accept" }).click();
          // No reload, no navigation: the push alone updates alice's second device.
          await a2.getByTestId("friend").filter({ hasText: "Bob" }).waitFor();
          assert.equal(await a2.getByTestId("incoming").count(), 0);
          await b.getByTestId("friend").filter({ hasText: "Alice" }).waitFor();
          await shot(a2, "social-02-accepted-elsewhere");
        },
      );

      await t.step(
        "bob writes; alice pins the chat on one device, the other shows the pin",
        async () => {
          await b.getByTestId("friend").filter({ hasText: "Alice" }).getByRole("button", {
            name: "Message",
          }).click();
          await send(b, "Hello from Bob");
          for (const p of [a1, a2]) await p.getByTestId("nav-chats").click();
          const row = (p: Page) => p.locator(".conv-row").filter({ hasText: "Bob" });
          await row(a1).getByTestId("unread").filter({ hasText: "1" }).waitFor();
          await row(a2).getByTestId("unread").filter({ hasText: "1" }).waitFor();
          await row(a1).getByTestId("conv-menu").click();
          await a1.getByRole("menuitem", { name: "Pin" }).click();
          await waitAttr(row(a2).getByTestId("conv"), "data-pinned", ["true"]);
          await row(a2).getByTestId("pinned").waitFor();
          await shot(a2, "social-03-pinned-elsewhere");
        },
      );

      await t.step("alice blocks bob from the chat; bob's next message is refused", async () => {
        await a1.locator(".conv-row").filter({ hasText: "Bob" }).getByTestId("conv").click();
        await a1.getByTestId("msg").filter({ hasText: "Hello from Bob" }).waitFor();
        await a1.getByTestId("block").click();
        await a1.getByTestId("block").filter({ hasText: "Unblock" }).waitFor();
        await send(b, "Are you there?");
        const refused = b.getByTestId("msg").filter({ hasText: "Are you there?" });
        await waitAttr(refused, "data-status", ["failed"]);
        await refused.getByText("This user does not accept that from you.").waitFor();
        assert.equal(await a1.getByTestId("msg").filter({ hasText: "Are you there?" }).count(), 0);
        await shot(b, "social-04-refused");
      });
      await t.step("alice signs her other device out from the devices page", async () => {
        await a1.getByTestId("nav-devices").click();
        const devices = a1.getByTestId("device");
        await devices.nth(1).waitFor();
        assert.equal(await devices.count(), 2);
        await devices.filter({ hasText: "this device" }).waitFor();
        await shot(a1, "social-05-devices");
        const other = devices.filter({ hasNotText: "this device" });
        await other.getByRole("button", { name: "Sign out" }).click();
        await a2.getByRole("status").filter({ hasText: "You signed this device out" }).waitFor();
        await a2.getByRole("button", { name: "Log in" }).waitFor();
        await a1.getByTestId("device").nth(1).waitFor({ state: "detached" });
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
