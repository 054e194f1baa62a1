/**
 * The compose file's coturn flags, run with Debian's `turnserver` on loopback, accept the TURN
 * credentials our workers mint (an allocation succeeds), refuse a wrong one, and refuse to
 * relay to a loopback peer (the relay cannot be aimed at the deployment's own network).
 */
import assert from "node:assert/strict";
import { missingTool } from "@im/shared/testing";
import { IceServers } from "@im/workers";

const ROOT = new URL("../", import.meta.url).pathname;
const NAME =
  "turn: coturn with the compose flags takes the minted credentials and refuses private peers";
const SECRET = `test-${crypto.randomUUID()}`;

/** The `command` list of the compose file's turn service, with test values substituted. */
async function composeFlags(): Promise<string[]> {
  const text = await Deno.readTextFile(`${ROOT}docker-compose.yml`);
  const block = text.slice(text.indexOf("\n  turn:\n"));
  const command = block.slice(
    block.indexOf("    command:\n"),
    block.indexOf("    stop_grace_period"),
  );
  return [...command.matchAll(/^ {6}- (\S+)$/gm)].map((m) => m[1])
    .filter((f) => !f.startsWith("--listening-port="))
    .map((f) =>
      f.replace("${TURN_SECRET:-}", SECRET).replace("${TURN_EXTERNAL_IP:-127.0.0.1}", "127.0.0.1")
    );
}

async function uclient(port: number, username: string, password: string): Promise<string> {
  const out = await new Deno.Command("turnutils_uclient", {
    args: [
      "-n",
      "1",
      "-m",
      "1",
      "-l",
      "100",
      "-u",
      username,
      "-w",
      password,
      "-p",
      String(port),
      "-e",
      "127.0.0.1",
      "127.0.0.1",
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(15_000),
  }).output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, "turnserver", ["--version"]) ||
    await missingTool(NAME, "sh", ["-c", "command -v turnutils_uclient"]),
  async fn() {
    const flags = await composeFlags();
    assert.ok(
      flags.includes("--use-auth-secret") &&
        flags.some((f) => f.startsWith("--static-auth-secret=test-")),
    );
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const server = new Deno.Command("turnserver", {
      args: [
        ...flags,
        "--listening-ip=127.0.0.1",
        "--relay-ip=127.0.0.1",
        `--listening-port=${port}`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const ice = new IceServers(`turn:127.0.0.1:${port}`, SECRET, 3600);
      const [turn] = await ice.for("42", Date.now());
      const good = await uclient(port, turn.username!, turn.credential!);
      assert.doesNotMatch(good, /Cannot complete Allocation/, good);
      assert.match(good, /403 \(Forbidden IP\)/, "allocated, but a loopback peer is refused");
      const bad = await uclient(port, turn.username!, "not-the-credential");
      assert.match(bad, /Cannot complete Allocation/);
    } finally {
      server.kill("SIGTERM");
      await server.status;
    }
  },
});
