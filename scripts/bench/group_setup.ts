/**
 * Seeds the group bench's users and groups straight into MySQL (registering 100,000 users over
 * HTTP would take longer than the bench): users, one `chat_groups` row per group, its head and
 * its member rows, as group.create leaves them (less the "created" notice).
 */
import { createDb } from "@im/shared/db";
import { groupConversationId } from "@im/protocol";

export interface SeededGroup {
  conversationId: string;
  members: string[];
}

const CHUNK = 2000;

export async function seedGroups(
  mysqlUrl: string,
  runId: string,
  sizes: number[],
  log: (s: string) => void,
): Promise<SeededGroup[]> {
  const db = createDb(mysqlUrl, 2);
  try {
    const total = sizes.reduce((a, b) => a + b, 0);
    const names = Array.from({ length: total }, (_, i) => `g${runId}_${i}`);
    for (let i = 0; i < names.length; i += CHUNK) {
      await db.insertInto("users").values(
        names.slice(i, i + CHUNK).map((username) => ({
          username,
          password_hash: "-",
          nickname: username,
          created_at: Date.now(),
        })),
      ).execute();
    }
    const rows = await db.selectFrom("users").select(["id", "username"])
      .where("username", "like", `g${runId}\\_%`).execute();
    const byName = new Map(rows.map((r) => [r.username, String(r.id)]));
    const ids = names.map((n) => byName.get(n)!);
    log(`${ids.length} users seeded`);
    const out: SeededGroup[] = [];
    let at = 0;
    for (const [k, size] of sizes.entries()) {
      const members = ids.slice(at, at + size);
      at += size;
      const conversationId = groupConversationId(String(1_000_000 + k));
      const now = Date.now();
      await db.insertInto("chat_groups").values({
        conversation_id: conversationId,
        name: `bench ${k}`,
        avatar: "",
        muted_all: 0,
        announcement: "",
        join_policy: "invite",
        owner_id: members[0],
        member_count: size,
        creator_id: members[0],
        client_key: `bench-${runId}-${k}`,
        created_at: now,
        updated_at: now,
      }).execute();
      await db.insertInto("conversations").values({
        id: conversationId,
        kind: "group",
        last_seq: 0,
        created_at: now,
        updated_at: now,
      }).execute();
      for (let i = 0; i < members.length; i += CHUNK) {
        await db.insertInto("conversation_members").values(
          members.slice(i, i + CHUNK).map((u, j) => ({
            conversation_id: conversationId,
            user_id: u,
            role: i + j === 0 ? "owner" : "member",
            joined_at: now,
          })),
        ).execute();
      }
      out.push({ conversationId, members });
    }
    log(`${out.length} groups seeded (${sizes.join(", ")} members)`);
    return out;
  } finally {
    await db.destroy();
  }
}
