/**
 * The terminal client as a person would use it, against the real system (in process): alice
 * sends bob a file and a location from the prompt; bob's terminal shows both as text.
 */
import assert from "node:assert/strict";
import { startSystem } from "@im/gateway/testing";

const CLI = new URL("./cli.ts", import.meta.url).pathname;

function terminal(url: string, user: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      CLI,
      "--url",
      url,
      "--user",
      user,
      "--register",
    ],
    env: { IM_PASSWORD: "correct horse battery" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const done = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (s) => void (out += s) }),
  );
  const writer = child.stdin.getWriter();
  return {
    type: (line: string) => writer.write(new TextEncoder().encode(line + "\n")),
    async until(re: RegExp, ms = 15_000) {
      const end = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > end) throw new Error(`no ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async quit() {
      await writer.write(new TextEncoder().encode("/quit\n")).catch(() => {});
      await writer.close().catch(() => {});
      await child.status;
      await done.catch(() => {});
      await child.stderr.cancel().catch(() => {});
    },
    get out() {
      return out;
    },
  };
}

Deno.test({
  name: "cli: send a file and a location; the other terminal shows their kinds as text",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sys = await startSystem();
    const url = `http://127.0.0.1:${sys.gateways[0].port}`;
    const tag = crypto.randomUUID().slice(0, 6);
    const file = await Deno.makeTempFile({ suffix: ".txt" });
    await Deno.writeTextFile(file, "minutes of the meeting\n".repeat(200));
    const alice = terminal(url, `alice_${tag}`), bob = terminal(url, `bob_${tag}`);
    try {
      await alice.until(/logged in/);
      await bob.until(/logged in/);
      await alice.type(`/open bob_${tag}`);
      await alice.until(/talking to/);
      await alice.type(`/file ${file} the minutes`);
      await alice.until(/uploading 100%/);
      await bob.until(/\[file \S+\.txt \d+ KB\] the minutes/);
      await alice.type("/where 52.52 13.405 Cafe Einstein");
      await bob.until(/\[location 52\.52, 13\.405\] Cafe Einstein/);
      assert.match(alice.out, /stored as #2/);
    } finally {
      await alice.quit();
      await bob.quit();
      await sys.close();
      await Deno.remove(file);
    }
  },
});
