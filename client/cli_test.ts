/**
 * The terminal client as a person would use it, against the real system (in process): two
 * terminals as child processes, typed into through a pipe, or through a pseudo-terminal where
 * the terminal's own behaviour (echo, the line limit) is what is tested.
 */
import assert from "node:assert/strict";
import { startSystem } from "@im/gateway/testing";

const CLI = new URL("./cli.ts", import.meta.url).pathname;

const PASSWORD = "correct horse battery";

interface TerminalOptions {
  /** Type the password at the prompt instead of passing IM_PASSWORD. */
  typedPassword?: boolean;
  /** Run under a pseudo-terminal (util-linux `script`), as a person's shell would. */
  tty?: boolean;
}

function terminal(url: string, user: string, o: TerminalOptions = {}) {
  const args = [
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
  ];
  // The terminal's settings come only from the test, never from the shell that runs it.
  const env = Deno.env.toObject();
  for (const k of ["IM_URL", "IM_USER", "IM_PASSWORD"]) delete env[k];
  if (!o.typedPassword) env.IM_PASSWORD = PASSWORD;
  const child = new Deno.Command(o.tty ? "script" : Deno.execPath(), {
    args: o.tty ? ["-qfec", [Deno.execPath(), ...args].join(" "), "/dev/null"] : args,
    env,
    clearEnv: true,
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

function count(text: string, re: RegExp): number {
  return [...text.matchAll(new RegExp(re.source, "g"))].length;
}

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", CLI, ...args],
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("cli: --help prints usage and exits 0; an unknown option says so and exits 2", async () => {
  for (const flag of ["--help", "-h"]) {
    const r = await run([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: deno task chat/);
    assert.match(r.stdout, /--register/);
    assert.doesNotMatch(r.stderr, /\bat \S+:\d+/); // no stack trace
  }
  const bad = await run(["--colour", "red"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /error: .*--colour/);
  assert.match(bad.stderr, /usage: deno task chat/);
  assert.doesNotMatch(bad.stderr, /\bat \S+:\d+/);
});

Deno.test({
  name: "cli: history prints in seq order, /recall #seq, (recalled), /read confirms, /to opens",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sys = await startSystem();
    const url = `http://127.0.0.1:${sys.gateways[0].port}`;
    const tag = crypto.randomUUID().slice(0, 6);
    const alice = terminal(url, `alice_${tag}`), bob = terminal(url, `bob_${tag}`);
    let again: ReturnType<typeof terminal> | null = null;
    try {
      await alice.until(/logged in/);
      await bob.until(/logged in/);
      await alice.type(`/to bob_${tag}`);
      await alice.until(/talking to bob_/);
      assert.doesNotMatch(alice.out, /too long|not sent/);
      await alice.type("first from alice");
      await bob.until(/#1 alice_\S+: first from alice/);
      await bob.type(`/to alice_${tag} bob answers`);
      await alice.until(/#2 bob_\S+: bob answers/);
      await alice.type("second from alice");
      await alice.until(/stored as #3/);
      await alice.quit();

      // A new terminal syncs all three: printed in seq order though only bob's needs a lookup.
      again = terminal(url, `alice_${tag}`);
      await again.until(/#3 me: second from alice/);
      const at = (re: RegExp) => again!.out.search(re);
      assert.ok(at(/#1 me: first/) < at(/#2 bob_/), again.out);
      assert.ok(at(/#2 bob_/) < at(/#3 me: second/), again.out);

      await again.type(`/open bob_${tag}`);
      await again.until(/talking to/);
      await again.type("/recall #3");
      await again.until(/recalled #3/);
      await bob.until(/#4 alice_\S+: \(recalled #3\)/);
      await again.type("/history");
      await again.until(/#3 me: \(recalled\)/);
      // A msgId (as printed) still names a message.
      const first = /#1 me: first from alice {2}\(msgId (\d+)\)/.exec(again.out)![1];
      await again.type(`/recall ${first}`);
      await again.until(/ {2}recalled #1\n/);
      await again.type("/recall 999");
      await again.until(/no #999 in the open conversation/);
      await again.type("/read");
      await again.until(/marked read up to #4/);
    } finally {
      await alice.quit();
      await again?.quit();
      await bob.quit();
      await sys.close();
    }
  },
});

Deno.test({
  name: "cli: long text is sent whole or refused with the limit, and a failure is told once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sys = await startSystem();
    const url = `http://127.0.0.1:${sys.gateways[0].port}`;
    const tag = crypto.randomUUID().slice(0, 6);
    // The password typed into a pipe (no IM_PASSWORD) works as a prompt answer.
    const alice = terminal(url, `alice_${tag}`, { typedPassword: true });
    const bob = terminal(url, `bob_${tag}`);
    try {
      await alice.type(PASSWORD);
      await alice.until(/logged in/);
      await bob.until(/logged in/);
      await alice.type(`/open bob_${tag}`);
      await alice.until(/talking to/);
      await alice.type("y".repeat(4500)); // over the old 4,096-byte cut, under 5,000
      await bob.until(/#1 alice_\S+: y{4500} {2}\(msgId/);
      await alice.type("z".repeat(6000));
      await alice.until(/has 6000 characters and this server takes at most 5000/);
      await alice.type("/paste");
      await alice.type("line one");
      await alice.type("line two");
      await alice.type(".");
      await bob.until(/#2 alice_\S+: line one — line two/);

      await alice.type(`/to alice_${tag} to myself`);
      await alice.until(/✗ not sent: to myself \(/);
      await alice.type("after the failure");
      await alice.until(/stored as #3/);
      await alice.type("and once more");
      await alice.until(/stored as #4/);
      assert.equal(count(alice.out, /✗ not sent/), 1, alice.out);
      assert.doesNotMatch(alice.out, /^error: /m);
      assert.doesNotMatch(bob.out, /z{100}/);
    } finally {
      await alice.quit();
      await bob.quit();
      await sys.close();
    }
  },
});

const HAS_SCRIPT = await new Deno.Command("script", { args: ["--version"] }).output()
  .then((o) => o.success, () => false);

Deno.test({
  name: "cli (pseudo-terminal): the password is not echoed; a line cut by the terminal is not sent",
  ignore: !HAS_SCRIPT, // util-linux `script` gives the child a real terminal
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sys = await startSystem();
    const url = `http://127.0.0.1:${sys.gateways[0].port}`;
    const tag = crypto.randomUUID().slice(0, 6);
    const bob = terminal(url, `bob_${tag}`);
    const alice = terminal(url, `alice_${tag}`, { typedPassword: true, tty: true });
    try {
      await bob.until(/logged in/);
      await alice.until(/password: /);
      await alice.type(PASSWORD);
      await alice.until(/logged in/);
      assert.ok(!alice.out.includes(PASSWORD), alice.out);
      await alice.type(`/open bob_${tag}`);
      await alice.until(/talking to/);
      await alice.type("w".repeat(6000)); // the kernel keeps 4,095 bytes of it
      await alice.until(/not sent: the line reached the terminal's limit of 4095 bytes/);
      await alice.type("short and whole");
      await bob.until(/#1 alice_\S+: short and whole/);
      assert.doesNotMatch(bob.out, /w{100}/);
    } finally {
      await alice.quit();
      await bob.quit();
      await sys.close();
    }
  },
});
