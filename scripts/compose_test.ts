/**
 * docker-compose.yml must stay true to what `deno task dev` runs: it is parsed by
 * docker-compose itself (Debian's package; .ci/run installs it), and its environment may only
 * use variables our config schema defines.
 */
import assert from "node:assert/strict";
import { CONFIG_FIELDS } from "@im/shared/config";
import { missingTool } from "@im/shared/testing";

const ROOT = new URL("../", import.meta.url).pathname;
const NAME = "compose: docker-compose parses the file and it runs the whole system";

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, "docker-compose", ["version"]),
  async fn() {
    const out = await new Deno.Command("docker-compose", {
      args: ["config"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const text = new TextDecoder().decode(out.stdout);
    for (
      const service of [
        "mariadb",
        "redis",
        "migrate",
        "secret-init",
        "gateway1",
        "gateway2",
        "worker",
      ]
    ) {
      assert.match(text, new RegExp(`^  ${service}:$`, "m"), `service ${service}`);
    }
    assert.match(text, /image: mariadb:10\.11/);
    assert.match(text, /image: redis:7/);
    assert.match(text, /redis-server --requirepass "\$\$?REDIS_PASSWORD"\s+--appendonly\s+yes/);
    // Our image is built once (by secret-init; the other build is mariadb's own image), and
    // every app service runs it.
    const root = ROOT.replace(/\/$/, "");
    assert.equal(text.split("\n").filter((l) => l.trim() === `context: ${root}`).length, 1);
    // secret-init, migrate, gateway1, gateway2, worker, and the http-only profile's http-api.
    assert.equal(text.match(/^ {4}image: im-server:local$/gm)?.length, 6);
    // The worker must scale: no fixed host port or container name.
    const lines = text.split("\n");
    const start = lines.indexOf("  worker:");
    const end = lines.findIndex((l, i) => i > start && /^ {0,2}[a-z0-9-]+:$/.test(l));
    const workerBlock = lines.slice(start, end < 0 ? undefined : end).join("\n");
    assert.ok(start >= 0 && workerBlock.length > 50);
    assert.doesNotMatch(workerBlock, /ports:|container_name:/);
    assert.match(workerBlock, /workers\/main\.ts/);
  },
});

Deno.test("compose: every environment variable it sets is one our config defines", async () => {
  const text = await Deno.readTextFile(`${ROOT}docker-compose.yml`);
  const known = new Set(Object.values(CONFIG_FIELDS).map((f) => f.env));
  // The images' own variables: MariaDB's, Redis' password (read by its command), and SRH's (the
  // http-only profile's Redis REST endpoint).
  const ours = new Set([
    "MARIADB_ROOT_PASSWORD",
    "REDIS_PASSWORD",
    "SRH_MODE",
    "SRH_TOKEN",
    "SRH_CONNECTION_STRING",
  ]);
  const used = [...text.matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]);
  assert.ok(used.length > 5);
  for (const name of used) {
    assert.ok(known.has(name) || ours.has(name), `${name} is not a config field`);
  }
});

const SMOKE = "compose: the smoke override puts every service on loopback ports of its own";
Deno.test({
  name: SMOKE,
  ignore: await missingTool(SMOKE, "docker-compose", ["version"]),
  async fn() {
    const out = await new Deno.Command("docker-compose", {
      args: [
        "-f",
        "docker-compose.yml",
        "-f",
        "scripts/compose_smoke/docker-compose.smoke.yml",
        "config",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    // The services the smoke run starts (not the http-only profile's).
    const all = new TextDecoder().decode(out.stdout);
    const text = SMOKE_SERVICES.map((name) => serviceBlock(all, name)).join("\n");
    assert.equal(text.match(/^ {4}network_mode: host$/gm)?.length, 7);
    // Never the machine's own MariaDB/Redis, never a container name resolved off-host.
    assert.doesNotMatch(text, /@(mariadb|redis):|:3306\/|:6379\b/);
    assert.match(text, /--bind-address=127\.0\.0\.1/);
    assert.match(text, /--bind\s+127\.0\.0\.1/);
    assert.equal(text.match(/^ {6}HOST: 127\.0\.0\.1$/gm)?.length, 5);
  },
});

const SMOKE_SERVICES = [
  "mariadb",
  "redis",
  "secret-init",
  "migrate",
  "gateway1",
  "gateway2",
  "worker",
];

/** One service's lines of `docker-compose config` output. */
function serviceBlock(config: string, name: string): string {
  const lines = config.split("\n");
  const start = lines.indexOf(`  ${name}:`);
  assert.ok(start >= 0, `service ${name}`);
  const end = lines.findIndex((l, i) => i > start && /^ {0,2}[a-z0-9-]+:/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}
