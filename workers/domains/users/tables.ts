import type { Exec } from "@im/shared/db";

/** Which of these user ids exist. */
export async function existingUsers(db: Exec, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom("users").select("id").where("id", "in", [...new Set(ids)])
    .execute();
  return new Set(rows.map((r) => String(r.id)));
}
