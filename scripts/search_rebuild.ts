/**
 * `deno task search:rebuild`: re-indexes every message from the messages table (after turning
 * search on for an existing database, after restoring a backup, or to repair the index), with a
 * progress bar. Safe while the system runs: see workers/domains/search/rebuild.ts.
 */
// @ts-types="@types/cli-progress"
import { SingleBar } from "cli-progress";
import { ConfigError, loadConfig } from "@im/shared/config";
import { createDb } from "@im/shared/db";
import { indexFor, rebuildIndex } from "@im/workers/search";

try {
  const config = loadConfig();
  if (config.searchEngine === "off") {
    console.error("SEARCH_ENGINE is off: nothing to rebuild");
    Deno.exit(2);
  }
  const db = createDb(config.mysqlUrl, 2);
  const bar = new SingleBar({
    format: "search index [{bar}] {percentage}% | {value}/{total} messages | {eta_formatted} left",
    hideCursor: true,
  });
  try {
    let started = false;
    const t0 = performance.now();
    const done = await rebuildIndex(db, (x) => indexFor(config.searchEngine, x)!, (p) => {
      if (!started) (bar.start(p.total, 0), started = true);
      bar.setTotal(p.total);
      bar.update(p.done);
    });
    bar.stop();
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      `indexed ${done.written}, removed ${done.removed} of ${done.done} messages in ${secs} s`,
    );
  } finally {
    bar.stop();
    await db.destroy();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  Deno.exit(1);
}
