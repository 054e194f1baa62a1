/**
 * Seeds the search benchmark's database: users, direct chats, groups (two heavy users in many),
 * and the messages, inserted in batches straight into the tables the worker writes; then the
 * index is built by the rebuild command's own code (so its throughput is measured too).
 */
import { sql } from "kysely";
import type { Db } from "@im/shared/db";
import { drawBody, drawKind, rng, vocabularies } from "./search_data.ts";

export interface SeedOptions {
  messages: number;
  users: number;
  directs: number;
  groups: number;
  /** Groups each heavy user (ids 1 and 2) is a member of. */
  heavyGroups: number;
}

export interface Seeded {
  /** Member user ids of each conversation. */
  members: Map<string, string[]>;
  /** When the first and the last message were sent. */
  t0: number;
  t1: number;
}

const BATCH = 2000;
export const MSG_ID_BASE = 10n ** 15n;
const STEP_MS = 30_000;

export async function seed(db: Db, o: SeedOptions, log: (s: string) => void): Promise<Seeded> {
  const r = rng(42);
  const vs = vocabularies(7);
  const members = new Map<string, string[]>();
  for (let lo = 0; lo < o.users; lo += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, o.users - lo) }, (_, i) => ({
      id: String(lo + i + 1),
      username: `u${lo + i + 1}`,
      password_hash: "x",
      nickname: `u${lo + i + 1}`,
      created_at: 0,
    }));
    await db.insertInto("users").values(rows).execute();
  }
  const uid = () => 1 + Math.floor(r() * o.users);
  while (members.size < o.directs) {
    const [a, b] = [uid(), uid()];
    if (a !== b) members.set(`d:${Math.min(a, b)}:${Math.max(a, b)}`, [a, b].map(String));
  }
  const groups: string[] = [];
  for (let g = 1; g <= o.groups; g++) {
    const size = 5 + Math.floor(195 * r() ** 3);
    const set = new Set<string>();
    while (set.size < size) set.add(String(uid()));
    if (g <= o.heavyGroups) set.add("1");
    if (g > o.groups - o.heavyGroups) set.add("2");
    members.set(`g:${g}`, [...set]);
    groups.push(`g:${g}`);
  }
  const directs = [...members.keys()].filter((k) => k.startsWith("d:"));
  const last = new Map<string, number>();
  const t0 = Date.UTC(2025, 0, 1);
  let batch: Array<Record<string, unknown>> = [];
  const flush = async () => {
    if (batch.length) await db.insertInto("messages").values(batch as never).execute();
    batch = [];
  };
  for (let i = 0; i < o.messages; i++) {
    const conv = r() < 0.6
      ? directs[Math.floor(r() * directs.length)]
      : groups[Math.floor(r() * groups.length)];
    const who = members.get(conv)!;
    const seq = (last.get(conv) ?? 0) + 1;
    last.set(conv, seq);
    const kind = drawKind(r);
    batch.push({
      msg_id: String(MSG_ID_BASE + BigInt(i)),
      conversation_id: conv,
      seq,
      sender_id: who[Math.floor(r() * who.length)],
      client_msg_id: `b${i}`,
      kind,
      body: kind === "text" ? drawBody(vs, r) : `${kind}-${i}`,
      created_at: t0 + i * STEP_MS,
      source_entry: "bench",
    });
    if (batch.length === BATCH) await flush();
    if (i % 100_000 === 0 && i) log(`  ${i} messages`);
  }
  await flush();
  const convs = [...last.entries()];
  for (let lo = 0; lo < convs.length; lo += BATCH) {
    await db.insertInto("conversations").values(
      convs.slice(lo, lo + BATCH).map(([id, seq]) => ({
        id,
        kind: id.startsWith("d:") ? "direct" : "group",
        last_seq: seq,
        created_at: t0,
        updated_at: t0,
      })),
    ).execute();
  }
  const rows = [...members].filter(([id]) => last.has(id)).flatMap(([id, us]) =>
    us.map((u) => ({ conversation_id: id, user_id: u, joined_at: t0 }))
  );
  for (let lo = 0; lo < rows.length; lo += BATCH) {
    await db.insertInto("conversation_members").values(rows.slice(lo, lo + BATCH)).execute();
  }
  await sql`ANALYZE TABLE messages, conversation_members`.execute(db);
  return { members, t0, t1: t0 + (o.messages - 1) * STEP_MS };
}
