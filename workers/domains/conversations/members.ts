/**
 * Who is in a conversation, resolved in the caller's executor (the batch's transaction) and
 * cached for the batch. A direct chat's members are named by its id, so it costs no query; any
 * other conversation's come from `conversation_members`.
 */
import { parseConversationId } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { memberIdsOf } from "./tables.ts";

export class Members {
  #cache = new Map<string, string[]>();

  constructor(private readonly db: Exec) {}

  /** Member user ids of each conversation (empty for unknown ids). */
  async of(conversationIds: Iterable<string>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const missing: string[] = [];
    for (const id of new Set(conversationIds)) {
      const cached = this.#cache.get(id);
      if (cached) {
        out.set(id, cached);
        continue;
      }
      const parsed = parseConversationId(id);
      if (parsed?.kind === "direct") out.set(id, [...parsed.members]);
      else if (parsed) missing.push(id);
      else out.set(id, []);
    }
    if (missing.length) {
      const rows = await memberIdsOf(this.db, missing);
      for (const id of missing) out.set(id, rows.get(id) ?? []);
    }
    for (const [id, m] of out) this.#cache.set(id, m);
    return out;
  }

  async ofOne(conversationId: string): Promise<string[]> {
    return (await this.of([conversationId])).get(conversationId) ?? [];
  }

  async includes(conversationId: string, userId: string): Promise<boolean> {
    return (await this.ofOne(conversationId)).includes(userId);
  }

  /** Forgets cached members (after a handler changed who is in a conversation). */
  forget(conversationId: string): void {
    this.#cache.delete(conversationId);
  }
}
