/**
 * `deno task bench:search`: search latency over a generated history (docs/BENCHMARKS.md,
 * "Search"). Seeds its own database (1,000,000 messages by default: Latin with accents,
 * Chinese, Japanese, Korean), builds the index with the rebuild command's code, then times the
 * worker's own search query (`searchPage`, what the read lane runs for a `search` frame) for
 * several kinds of query, one at a time, and drops the database unless --keep.
 *
 *   deno task bench:search [--messages 1000000] [--runs 200] [--keep] [--reuse <db>] [--out f]
 */
import { parseArgs } from "node:util";
import { loadConfig } from "@im/shared/config";
import { createDb, dropDatabase, ensureDatabase, migrateToLatest } from "@im/shared/db";
import { MroongaIndex, rebuildIndex, searchPage } from "@im/workers/search";
import { seed, type Seeded } from "./search_seed.ts";
import { rng, vocabularies } from "./search_data.ts";
import { Histogram } from "./stats.ts";

const { values: o } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "1000000" },
    users: { type: "string", default: "5000" },
    directs: { type: "string", default: "25000" },
    groups: { type: "string", default: "300" },
    "heavy-groups": { type: "string", default: "60" },
    runs: { type: "string", default: "200" },
    keep: { type: "boolean", default: false },
    reuse: { type: "string" },
    out: { type: "string" },
  },
});
const log = (s: string) => console.error(s);
const base = loadConfig();
const name = o.reuse ?? `benchsearch_${Date.now().toString(36)}`;
const url = new URL(base.mysqlUrl);
url.pathname = `/${name}`;
const config = loadConfig(undefined, { mysqlUrl: url.toString() });
await ensureDatabase(config.mysqlUrl);
const db = createDb(config.mysqlUrl, 4);
let seeded: Seeded | null = null;
const timings: Record<string, number> = {};
try {
  await migrateToLatest(db);
  const members = await memberMap();
  if (members.size === 0) {
    const t = performance.now();
    log(`seeding ${o.messages} messages into ${name}`);
    seeded = await seed(db, {
      messages: Number(o.messages),
      users: Number(o.users),
      directs: Number(o.directs),
      groups: Number(o.groups),
      heavyGroups: Number(o["heavy-groups"]),
    }, log);
    timings.seedSec = (performance.now() - t) / 1000;
    const t2 = performance.now();
    let shown = -1;
    const done = await rebuildIndex(db, (x) => new MroongaIndex(x), (p) => {
      const pct = Math.floor((100 * p.done) / Math.max(1, p.total) / 10) * 10;
      if (pct !== shown) log(`  index ${(shown = pct)} %`);
    });
    timings.indexSec = (performance.now() - t2) / 1000;
    timings.indexPerSec = done.written / timings.indexSec;
  }
  const report = await measure(seeded?.members ?? await memberMap());
  const out = { schema: "im-bench-search/1", database: name, options: o, timings, ...report };
  console.log(table(report.queries));
  console.log(JSON.stringify(timings));
  if (o.out) await Deno.writeTextFile(o.out, JSON.stringify(out, null, 2));
} finally {
  await db.destroy();
  if (!o.keep && !o.reuse) await dropDatabase(config.mysqlUrl);
}

async function memberMap(): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom("conversation_members").select(["conversation_id", "user_id"])
    .execute();
  const m = new Map<string, string[]>();
  for (const r of rows) m.set(r.conversation_id, [...(m.get(r.conversation_id) ?? []), r.user_id]);
  return m;
}

async function measure(members: Map<string, string[]>) {
  const vs = vocabularies(7);
  const r = rng(99);
  const range = await db.selectFrom("messages").select((e) => [
    e.fn.min("created_at").as("t0"),
    e.fn.max("created_at").as("t1"),
  ]).executeTakeFirstOrThrow();
  const t1 = Number(range.t1);
  const mine = new Map<string, string[]>();
  for (const [c, us] of members) for (const u of us) mine.set(u, [...(mine.get(u) ?? []), c]);
  // Two heavy users (60 groups each) and ten drawn at random (a few chats and groups each).
  const users = ["1", "2", ...Array.from({ length: 10 }, () => String(3 + Math.floor(r() * 4990)))]
    .filter((u) => mine.has(u));
  const groupOf = (u: string) => mine.get(u)!.find((c) => c.startsWith("g:")) ?? mine.get(u)![0];
  const peerOf = (u: string) => members.get(groupOf(u))!.find((x) => x !== u) ?? u;
  const w = (v: keyof typeof vs, rank: number) => vs[v].words[rank - 1];
  const month = 30 * 86_400_000;
  type Req = Parameters<typeof searchPage>[2];
  const kinds: Array<[string, (u: string) => Req]> = [
    ["Latin word, rank 3 (common)", () => ({ query: w("latin", 3) })],
    ["Latin word, rank 100", () => ({ query: w("latin", 100) })],
    ["Latin word, rank 2000 (rare)", () => ({ query: w("latin", 2000) })],
    ["Latin, capitalized + accents", () => ({ query: w("latin", 40).toUpperCase() })],
    ["Chinese word, rank 5", () => ({ query: w("zh", 5) })],
    ["Chinese word, rank 800", () => ({ query: w("zh", 800) })],
    ["Japanese word, rank 10", () => ({ query: w("ja", 10) })],
    ["Korean word, rank 10", () => ({ query: w("ko", 10) })],
    ["two Latin words", () => ({ query: `${w("latin", 3)} ${w("latin", 30)}` })],
    ["word + conversation", (u) => ({ query: w("latin", 3), conversationId: groupOf(u) })],
    ["word + sender", (u) => ({ query: w("latin", 3), from: peerOf(u) })],
    ["word + last 30 days", () => ({ query: w("latin", 3), since: t1 - month })],
    ["filter: sender only", (u) => ({ from: peerOf(u) })],
    ["filter: kind image only", () => ({ kinds: ["image"] })],
    ["filter: conversation only", (u) => ({ conversationId: groupOf(u) })],
  ];
  const deps = { db, index: new MroongaIndex(db), limits: config };
  const queries = [];
  for (const [label, make] of kinds) {
    const h = new Histogram();
    let hits = 0;
    for (let i = 0; i < Number(o.runs); i++) {
      const u = users[i % users.length];
      const t = performance.now();
      const res = await searchPage(deps, u, { ...make(u), limit: 20 });
      h.record(performance.now() - t);
      if (!res.ok) throw new Error(`${label}: ${res.error.message}`);
      hits += res.page.hits.length;
    }
    queries.push({ label, ...h.summary(), meanHits: hits / Number(o.runs) });
  }
  return { users: users.length, queries };
}

function table(rows: Array<{ label: string; p50: number; p99: number; meanHits: number }>) {
  const lines = ["| query | p50 ms | p99 ms | hits/page |", "| --- | ---: | ---: | ---: |"];
  for (const q of rows) {
    lines.push(
      `| ${q.label} | ${q.p50.toFixed(1)} | ${q.p99.toFixed(1)} | ${q.meanHits.toFixed(1)} |`,
    );
  }
  return lines.join("\n");
}
