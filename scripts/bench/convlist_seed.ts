/**
 * Seeds the conversation-list benchmark with SQL: one user with N direct conversations (three
 * messages each, some unread, a few pinned), and the pairs of users the background load uses.
 * Rows go in chunks of 1,000 so seeding 5,000 conversations takes a few seconds.
 */
import type { Db } from "@im/shared/db";
import { Snowflake } from "@im/shared/snowflake";
import { directConversationId } from "@im/protocol";

export interface Seeded {
  me: string;
  peers: string[];
  loadUsers: string[];
  pinned: number;
}

async function chunked<T>(rows: T[], insert: (part: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += 1000) await insert(rows.slice(i, i + 1000));
}

async function users(db: Db, prefix: string, n: number, now: number): Promise<string[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    username: `${prefix}${i}`,
    password_hash: "x", // never logs in: the bench mints tokens
    nickname: `${prefix} ${i}`,
    created_at: now,
  }));
  await chunked(rows, (part) => db.insertInto("users").values(part).execute());
  const found = await db.selectFrom("users").select("id").where("username", "like", `${prefix}%`)
    .orderBy("id").execute();
  return found.map((r) => String(r.id));
}

export async function seed(
  db: Db,
  o: { conversations: number; loadUsers: number; pinned: number },
): Promise<Seeded> {
  const now = Date.now();
  const [me] = await users(db, "me", 1, now);
  const peers = await users(db, "peer", o.conversations, now);
  const loadUsers = await users(db, "load", o.loadUsers, now);
  const ids = new Snowflake(1);
  const convs = [], members = [];
  const messages: Array<Record<string, string | number>> = [];
  for (const [i, peer] of peers.entries()) {
    const id = directConversationId(me, peer);
    const at = now - (peers.length - i) * 60_000; // one minute apart, the last newest
    const msgIds = [ids.nextString(), ids.nextString(), ids.nextString()];
    convs.push({
      id,
      kind: "direct",
      last_seq: 3,
      last_msg_id: msgIds[2],
      created_at: at,
      updated_at: at,
    });
    const read = i % 4; // a quarter fully read, the rest 1 to 3 unread
    const pinned = i % Math.max(1, Math.floor(peers.length / o.pinned)) === 0 ? 1 : 0;
    members.push(
      { conversation_id: id, user_id: me, joined_at: at, read_seq: read, active_at: at, pinned },
      { conversation_id: id, user_id: peer, joined_at: at, read_seq: 3, active_at: at, pinned: 0 },
    );
    msgIds.forEach((msgId, k) =>
      messages.push({
        msg_id: msgId,
        conversation_id: id,
        seq: k + 1,
        sender_id: k === 1 ? me : peer,
        client_msg_id: `seed-${i}-${k}`,
        kind: "text",
        body: `message ${k + 1} of conversation ${i}`,
        created_at: at,
        source_entry: "seed",
      })
    );
  }
  await chunked(convs, (p) => db.insertInto("conversations").values(p).execute());
  await chunked(members, (p) => db.insertInto("conversation_members").values(p).execute());
  await chunked(messages, (p) => db.insertInto("messages").values(p as never).execute());
  const pinned = members.filter((m) => m.user_id === me && m.pinned).length;
  return { me, peers, loadUsers, pinned };
}
