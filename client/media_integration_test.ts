/**
 * The SDK's media path against the real system (in process, local disk storage): an upload
 * with progress events, the message on the other side, a signed link that fetches it, an edit
 * and a reaction seen by the receiver.
 */
import assert from "node:assert/strict";
import { startSystem } from "@im/gateway/testing";
import { AuthApi } from "./http.ts";
import { ImClient } from "./client.ts";
import type { MessageView } from "@im/protocol";
import type { UploadProgress } from "./media.ts";

const until = async (what: string, fn: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

Deno.test({
  name: "sdk media: upload with progress, send, fetch by signed link, edit and react",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sys = await startSystem();
    const api = new AuthApi(`http://127.0.0.1:${sys.gateways[0].port}`);
    const tag = crypto.randomUUID().slice(0, 6);
    const clients: ImClient[] = [];
    try {
      const open = async (name: string) => {
        await api.register({ username: `${name}_${tag}`, password: "correct horse" });
        const c = new ImClient({
          api,
          session: await api.login({ username: `${name}_${tag}`, password: "correct horse" }),
        });
        clients.push(c);
        await c.connect();
        return c;
      };
      const [a, b] = [await open("alice"), await open("bob")];
      const got: MessageView[] = [];
      b.on("message", (m) => got.push(m));
      const progress: UploadProgress[] = [];
      const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 256);
      const sent = await a.sendMedia(b.userId, {
        kind: "file",
        name: "data.bin",
        body: data,
        caption: "the numbers",
        onProgress: (p) => progress.push(p),
      });
      assert.deepEqual([sent.kind, sent.body, sent.media?.size], [
        "file",
        "the numbers",
        data.length,
      ]);
      assert.ok(progress.length >= 2, "several progress events");
      assert.deepEqual(progress.at(-1), { loaded: data.length, total: data.length });
      await until("bob's message", () => got.length === 1);
      const link = await b.mediaLink(got[0].media!.mediaId);
      assert.ok(link.url.startsWith("http://127.0.0.1:"));
      assert.equal(await b.mediaLink(got[0].media!.mediaId), link, "cached");
      const body = new Uint8Array(await (await fetch(link.url)).arrayBuffer());
      assert.deepEqual(body, data);

      const edited: MessageView[] = [];
      b.on("edit", (m) => edited.push(m));
      await a.edit(sent.msgId, "the numbers, sorted");
      await until("the edit on bob's side", () => edited.length === 1);
      assert.equal(b.store.message(sent.msgId)!.body, "the numbers, sorted");
      await b.react(sent.msgId, "🎉");
      await until(
        "the reaction on alice's side",
        () => a.store.message(sent.msgId)?.reactions?.[0]?.count === 1,
      );
      assert.deepEqual(a.store.message(sent.msgId)!.reactions, [{
        emoji: "🎉",
        count: 1,
        me: false,
      }]);
    } finally {
      for (const c of clients) c.close();
      await sys.close();
    }
  },
});
