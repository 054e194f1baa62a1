/**
 * `deno task compose:smoke`: docker-compose.yml, run for real. A private dockerd, stand-in base
 * images (cached), our image built once, the stack up on the host's loopback (override), then
 * what an operator relies on: a message across gateways, `--scale worker=3` rebalancing, a
 * SIGKILLed worker losing nothing acknowledged, and `down && up` keeping every message.
 *
 *   deno task compose:smoke [--keep]   (--keep leaves the stack and dockerd running)
 *
 * SMOKE_DIR (default /var/tmp/im-compose-smoke) holds dockerd's data, so the images are cached
 * across runs, and smoke.log, the output of every docker command. Ends with one line:
 * "compose:smoke: ok in N s" or "compose:smoke: FAILED ...".
 */
import { directConversationId } from "@im/protocol";
import { partitionOf } from "@im/shared/partition";
import { startDaemon } from "./docker.ts";
import { ensureBaseImages } from "./images.ts";
import {
  balanced,
  connectPair,
  flowThrough,
  GATEWAYS,
  messageAcross,
  partitionsOf,
  reconnect,
  syncAll,
  until,
  upgradeStatus,
} from "./scenario.ts";
import { type Container, randomPassword, Stack } from "./stack.ts";
import { signUp } from "../testing/cluster.ts";

const DIR = Deno.env.get("SMOKE_DIR") ?? "/var/tmp/im-compose-smoke";
const KEEP = Deno.args.includes("--keep");
const PARTITIONS = 16; // docker-compose.yml's PARTITIONS
const t0 = performance.now();
const secs = (from: number) => Math.round((performance.now() - from) / 100) / 10;

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  console.log(`== ${name}`);
  const r = await fn();
  console.log(`   ok (${secs(t)} s)`);
  return r;
}
const say = (line: string) => console.log(`   ${line}`);

await Deno.mkdir(DIR, { recursive: true });
const lock = await Deno.open(`${DIR}/smoke.lock`, { create: true, write: true });
const waiting = setTimeout(() => say("waiting for another compose:smoke to finish"), 1000);
await lock.lock(true); // host networking: two runs would share ports
clearTimeout(waiting);
const log = `${DIR}/smoke.log`;
await Deno.writeTextFile(log, `compose:smoke ${new Date().toISOString()}\n`);

let daemon: Awaited<ReturnType<typeof startDaemon>> | null = null;
let stack: Stack | null = null;
let kind = "warm";
try {
  daemon = await step("private dockerd", () => startDaemon(DIR));
  const images = await step("stand-in base images", () => ensureBaseImages(DIR, daemon!.env, log));
  for (const i of images) say(`${i.image}: ${i.built ? `built in ${i.seconds} s` : "cached"}`);
  if (images.some((i) => i.built)) kind = "cold";
  const passwords = {
    MYSQL_ROOT_PASSWORD: randomPassword(),
    MYSQL_APP_PASSWORD: randomPassword(),
    REDIS_PASSWORD: randomPassword(),
  };
  const s = stack = new Stack({ ...daemon.env, ...passwords }, log, DIR);
  await step("clean slate", () => s.compose(["down", "-v", "--remove-orphans"]));

  await step("build our image once", async () => {
    const out = (await s.compose(["build"])).out;
    // Ours once (secret-init), and the database's own image (mariadb with Mroonga).
    const built = [...out.matchAll(/^Building ([a-z0-9_-]+)$/gm)].map((m) => m[1]).sort();
    if (built.join() !== "mariadb,secret-init") throw new Error(`built: ${built.join(", ")}`);
  });

  let containers: Container[] = [];
  await step("up: every service healthy, one image for all of ours", async () => {
    // A failed job makes `up` fail too; healthy() then says which, with its log.
    const up = await s.compose(["up", "-d"], { allowFail: true });
    containers = await s.healthy(1).catch((err) => {
      throw new Error(
        `${err.message}\n${up.code ? up.out.trim().split("\n").slice(-5).join("\n") : ""}`,
      );
    });
    const ours = containers.filter((c) => !["mariadb", "redis"].includes(c.service));
    const ids = new Set(ours.map((c) => c.image));
    if (ids.size !== 1) throw new Error(`app services run ${ids.size} images`);
  });
  const byService = (name: string) => containers.find((c) => c.service === name)!;

  await step("runs as deno; DENO_DIR is its own; deno eval works", async () => {
    const gw = byService("gateway1").id;
    const out = await s.exec(gw, [
      "sh",
      "-c",
      'id -un; test -w "$DENO_DIR" && echo writable; find "$DENO_DIR" ! -user deno | wc -l',
    ]);
    if (out.trim().split(/\s+/).join(" ") !== "deno writable 0") throw new Error(out);
    const ev = await s.exec(byService("worker").id, ["deno", "eval", "console.log(1 + 1)"]);
    if (ev.trim() !== "2") throw new Error(`deno eval as deno: ${ev}`);
  });

  await step("Redis wants its password; the app's MySQL user has row rights only", async () => {
    const noAuth = await s.docker([
      "exec",
      byService("redis").id,
      "redis-cli",
      "-p",
      "16379",
      "ping",
    ], {
      allowFail: true,
    });
    if (!/NOAUTH/.test(noAuth.out)) throw new Error(`redis without password: ${noAuth.out}`);
    const sqlOut = await s.docker([
      "exec",
      "-e",
      `MYSQL_PWD=${passwords.MYSQL_ROOT_PASSWORD}`,
      byService("mariadb").id,
      "mariadb",
      "-uroot",
      "-N",
      "-e",
      "SHOW GRANTS FOR 'im_app'@'%'; SELECT DISTINCT user FROM information_schema.PROCESSLIST",
    ]).then((r) => r.out);
    const grants = sqlOut.split("\n").filter((l) => l.startsWith("GRANT"));
    const dml = grants.filter((g) =>
      g.startsWith("GRANT SELECT, INSERT, UPDATE, DELETE ON `im`.*")
    );
    const other = grants.filter((g) => !dml.includes(g) && !/^GRANT USAGE ON \*\.\*/.test(g));
    if (dml.length !== 1 || other.length) throw new Error(`im_app grants:\n${grants.join("\n")}`);
    if (!/^im_app$/m.test(sqlOut)) {
      throw new Error("no connection of im_app: who does the app use?");
    }
  });

  const pair = await step("a message from gateway1 to gateway2", () => connectPair("one"));
  const hello = await messageAcross(pair);
  say(`msg.sent seq ${hello.data.seq}, msg.new at bob on gateway2`);

  await step("a page of gateway1 opened as localhost may connect to gateway2", async () => {
    // Its own user: a second socket of alice's device would replace hers (4101).
    const { accessToken } = await signUp(GATEWAYS[0], "carol_page", "browser");
    const page = await upgradeStatus(GATEWAYS[1], accessToken, `http://localhost:${GATEWAYS[0]}`);
    const stranger = await upgradeStatus(GATEWAYS[1], accessToken, "http://127.0.0.1:9");
    if (page !== 101 || stranger !== 403) throw new Error(`page ${page}, stranger ${stranger}`);
  });

  const workerPorts = async () => {
    const ws = (await s.containers()).filter((c) =>
      c.service === "worker" && c.status === "running"
    );
    return new Map(await Promise.all(ws.map(async (c) => [await s.workerPort(c.id), c] as const)));
  };
  const rebalanced = (n: number) =>
    until(`partitions over ${n} workers`, 90_000, async () => {
      const ports = await workerPorts();
      const owned = await partitionsOf([...ports.keys()]);
      return ports.size === n && balanced(owned, PARTITIONS) && { ports, owned };
    });

  const spread = await step("--scale worker=3: partitions rebalance", async () => {
    await s.compose(["up", "-d", "--no-recreate", "--scale", "worker=3"]);
    await s.healthy(3);
    return await rebalanced(3);
  });
  say(`partitions per worker: ${[...spread.owned.values()].map((p) => p.length).join(", ")}`);

  await step(
    "docker kill the conversation's worker mid-flow: nothing acknowledged lost",
    async () => {
      const conv = directConversationId(pair.alice.userId, pair.bob.userId);
      const part = partitionOf(conv, PARTITIONS);
      const [port] = [...spread.owned].find(([, ps]) => ps.includes(part))!;
      const victim = spread.ports.get(port)!;
      const r = await flowThrough(pair, 300, 40, async () => {
        await s.docker(["kill", victim.id]);
        say(`killed worker ${victim.id.slice(0, 12)} (owner of partition ${part})`);
      });
      say(
        `sent ${r.sent}, acked ${r.acked} (${r.resent} resent), at bob live ${r.liveDelivered}, ` +
          `by sync ${r.bySync}, missing ${r.missing.length}, duplicate seqs ${r.duplicates}, ` +
          `error frames ${JSON.stringify(r.errors)}`,
      );
      if (r.acked !== r.sent || r.missing.length || r.duplicates) {
        throw new Error("lost or doubled");
      }
      // The killed worker's partitions are owned again by whoever is alive (restarted or not).
      const alive = (await workerPorts()).size;
      await rebalanced(alive);
    },
  );

  await step("a changed MYSQL_ROOT_PASSWORD is explained, not 'start MySQL'", async () => {
    // What an operator meets after editing .env: the volume still has the first password.
    const r = await s.compose(["run", "--rm", "--no-deps", "migrate"], {
      env: { MYSQL_ROOT_PASSWORD: randomPassword() },
      allowFail: true,
    });
    if (r.code === 0 || !/keeps the root password of its first start/.test(r.out)) {
      throw new Error(`migrate said:\n${r.out.slice(-1500)}`);
    }
  });

  const before = await syncAll(pair.b);
  await step("down && up: every message and login kept", async () => {
    pair.close();
    await s.compose(["down"]);
    await s.compose(["up", "-d"]);
    await s.healthy(1);
    // The secrets volume kept the JWT secret: yesterday's tokens still work.
    const again = await reconnect(pair.alice, pair.bob);
    const after = await syncAll(again.b);
    const lost = [...before].filter((id) => !after.has(id));
    again.close();
    if (lost.length || before.size < 301) throw new Error(`${lost.length} of ${before.size} lost`);
    say(`${after.size} messages at bob after the restart`);
  });

  if (!KEEP) {
    await s.compose(["down", "-v"]);
    // Earlier builds of our image: with vfs each layer is a full copy, gigabytes each.
    await s.docker(["image", "prune", "-f"]);
  }
  console.log(`compose:smoke: ok in ${secs(t0)} s (${kind})`);
} catch (err) {
  console.log(`   FAILED: ${(err as Error).message}`);
  console.log(`compose:smoke: FAILED after ${secs(t0)} s (${kind}); docker output in ${log}`);
  if (stack && !KEEP) await stack.compose(["down", "-v"], { allowFail: true });
  Deno.exitCode = 1;
} finally {
  if (daemon && !KEEP) await daemon.stop();
  // It holds this run's passwords (useless once the volumes are gone, but still).
  if (!KEEP) await Deno.remove(`${DIR}/compose.resolved.yml`).catch(() => {});
}
// Sockets and heartbeats of a failed step would keep the process alive.
Deno.exit(Deno.exitCode);
