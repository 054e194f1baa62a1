import assert from "node:assert/strict";
import { checkMysql, checkRedis } from "./preflight.ts";
import { findBinary, installHint, SERVER_BINARIES, startPrivateStore } from "./dev_stores.ts";

const redisBin = findBinary(SERVER_BINARIES.redis);
const mariadbBin = findBinary(SERVER_BINARIES.mysql);

Deno.test("dev stores: a missing server gets the command that installs it", () => {
  assert.equal(findBinary(["no-such-server-binary"]), null);
  assert.match(installHint("redis"), /apt-get install -y redis-server$/);
  assert.match(installHint("mysql"), /apt-get install -y mariadb-server$/);
});

Deno.test({
  name: "dev stores: private redis-server and mariadbd start on free ports, are adopted, stop",
  // Both are installed wherever the suite runs (CI installs them); elsewhere say why it skipped.
  ignore: (!redisBin || !mariadbBin) && Deno.env.get("CI") !== "true",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "im-dev-stores-" });
    const started: { stop(): Promise<void> }[] = [];
    try {
      for (const [store, binary] of [["redis", redisBin!], ["mysql", mariadbBin!]] as const) {
        const t0 = Date.now();
        const s = await startPrivateStore(store, root, { binary, database: "im" });
        started.push(s);
        const ms = Date.now() - t0;
        assert.ok(s.pid > 0 && s.port > 0, `${store} pid ${s.pid} port ${s.port}`);
        const check = store === "redis" ? checkRedis : checkMysql;
        assert.equal(await check(s.url), null, `${store} answers at ${s.url} (${ms} ms)`);
        // A second dev (after a crash) adopts the running one instead of starting another.
        const again = await startPrivateStore(store, root, { binary });
        assert.deepEqual([again.pid, again.port], [s.pid, s.port]);
        await s.stop();
        assert.equal((await check(s.url))?.kind, "unreachable");
        assert.ok(!(await Deno.stat(`${root}/${store}.json`).catch(() => null)));
      }
    } finally {
      for (const s of started) await s.stop(); // a no-op for those already stopped
      await Deno.remove(root, { recursive: true });
    }
  },
});
