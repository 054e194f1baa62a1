/**
 * A real WebRTC call in two headless Chromium pages through our signaling (worker and gateway as
 * child processes): presence dots, "typing…", a video call answered on the other page with fake
 * camera and microphone, media that flows (the remote video decodes frames on both sides), hang
 * up, and the call record in both histories (also after a reload). Chromium runs in a network
 * namespace with loopback only (netns.ts), so every candidate and packet stays on 127.0.0.1.
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
import { hostBridges, netnsChromium } from "./netns.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const PASSWORD = "correct horse battery";
const NAME = "web call: presence, typing, a real WebRTC video call on loopback, and its record";
const WEBRTC_ARGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  // Loopback is left out of WebRTC's networks by default; it is the only one in the namespace.
  "--allow-loopback-in-peer-connection",
];

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, CHROMIUM) || await missingTool(NAME, "unshare", ["-n", "true"]),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await buildWebApp();
    const env = await testEnv({ partitions: 4 });
    const gwPort = freePort();
    const front = startFront(() => [gwPort]);
    const origin = `http://127.0.0.1:${front.addr.port}`;
    const base = processEnv(env, { ORIGIN_ALLOWLIST: origin, CALL_RING_SEC: "30" });
    const worker = new Proc("call-worker", "workers/main.ts", { ...base, WORKER_PORT: "0" });
    const gateway = new Proc("call-gateway", "gateway/main.ts", {
      ...base,
      PORT: String(gwPort),
      GATEWAY_ID: "e2e-call",
    }, gwPort);
    const dir = await Deno.makeTempDir({ prefix: "im-netns-" });
    const ports = [front.addr.port, gwPort];
    const closeBridges = hostBridges(dir, ports);
    let browser: Browser | null = null;
    try {
      await worker.start();
      await gateway.start();
      browser = await chromium.launch({
        executablePath: await netnsChromium(dir, CHROMIUM, ports),
        args: [...CHROMIUM_ARGS, ...WEBRTC_ARGS],
      });
      const a = await (await browser.newContext({ viewport: { width: 1000, height: 700 } }))
        .newPage();
      const b = await (await browser.newContext({ viewport: { width: 1000, height: 700 } }))
        .newPage();
      const addresses = new Set<string>();
      for (const p of [a, b]) {
        p.on("websocket", (ws) =>
          ws.on("framesent", (f) => {
            const frame = JSON.parse(String(f.payload));
            const c = frame.type === "call.signal" ? frame.data.candidate?.candidate : undefined;
            if (c) addresses.add(c.split(" ")[4]); // candidate:<f> <c> <proto> <prio> <address> ...
          }));
      }
      const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
      const alice = `alice_${tag}`, bob = `bob_${tag}`;

      await t.step("both sign up; alice writes; bob sees her online and typing", async () => {
        await register(a, origin, alice, "Alice");
        await register(b, origin, bob, "Bob");
        await a.getByTestId("new-chat").fill(bob);
        await a.getByTestId("new-chat").press("Enter");
        await send(a, "Call you in a sec");
        await b.getByTestId("conv").first().click();
        await b.getByTestId("msg").filter({ hasText: "Call you in a sec" }).waitFor();
        await waitAttr(b.locator(".chat-head [data-testid=presence]"), "data-online", ["true"]);
        await a.getByTestId("composer").pressSequentially("are you th", { delay: 30 });
        await b.getByTestId("typing").filter({ hasText: "Alice is typing…" }).waitFor();
        await shot(b, "call-01-online-typing");
        await a.getByTestId("composer").fill("");
        await b.getByTestId("typing").filter({ hasText: /^$/ }).waitFor({ timeout: 10_000 });
      });

      await t.step("alice calls with video; bob accepts; media flows both ways", async () => {
        await a.getByTestId("call-video").click();
        await waitAttr(a.getByTestId("call"), "data-phase", ["ringing"]);
        await b.getByTestId("accept-call").waitFor();
        await shot(b, "call-02-incoming");
        await b.getByTestId("accept-call").click();
        for (const p of [a, b]) {
          await waitAttr(p.getByTestId("call"), "data-phase", ["active"], 20_000);
        }
        for (const p of [a, b]) await framesFlow(p);
        assert.ok(addresses.size > 0, "candidates were trickled through our signaling");
        assert.deepEqual(
          [...addresses].filter((x) => x !== "127.0.0.1" && x !== "::1"),
          [],
          "loopback only",
        );
        await shot(a, "call-03-in-call");
        await shot(b, "call-04-in-call");
      });

      await t.step(
        "alice hangs up; the call record is in both histories, also after a reload",
        async () => {
          await a.getByTestId("hangup").click();
          await waitAttr(b.getByTestId("call"), "data-phase", ["ended"]);
          for (const p of [a, b]) {
            const rec = p.getByTestId("msg").and(p.locator("[data-kind=call]"));
            await waitAttr(rec.first(), "data-outcome", ["finished"]);
            assert.match(await rec.first().innerText(), /^Video call · \d+:\d\d/);
          }
          await b.reload();
          await b.getByTestId("conv").first().click();
          await waitAttr(b.locator("[data-kind=call]").first(), "data-outcome", ["finished"]);
          await shot(b, "call-05-record");
        },
      );

      await t.step("alice leaves: bob sees her offline with a last-seen time", async () => {
        await a.close();
        await waitAttr(
          b.locator(".chat-head [data-testid=presence]"),
          "data-online",
          ["false"],
          20_000,
        );
        await b.getByTestId("last-seen").filter({ hasText: /^last seen / }).waitFor();
        await shot(b, "call-06-last-seen");
      });
    } finally {
      await browser?.close();
      await gateway.kill("SIGTERM");
      await worker.kill("SIGTERM");
      closeBridges();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await front.shutdown();
      await env.close();
    }
  },
});

/** The remote video decodes frames, more and more of them: media is flowing. */
async function framesFlow(page: Page) {
  const video = page.getByTestId("remote-video");
  const first = Number(await waitAttrAbove(video, 0));
  await waitAttrAbove(video, first + 10);
  const size = await video.evaluate((
    v,
  ) => [
    (v as unknown as { videoWidth: number }).videoWidth,
    (v as unknown as { videoHeight: number }).videoHeight,
  ]);
  assert.ok(size[0] > 0 && size[1] > 0, `remote video is ${size.join("x")}`);
}

async function waitAttrAbove(loc: ReturnType<Page["getByTestId"]>, n: number, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = Number(await loc.getAttribute("data-frames"));
    if (v > n) return v;
    if (Date.now() > end) throw new Error(`data-frames stayed at ${v}, wanted > ${n}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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
