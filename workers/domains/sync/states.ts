/** Per-conversation state as one user sees it, from the member rows. */
import type { ConversationState } from "@im/protocol";
import type { MemberState } from "../conversations/tables.ts";

/**
 * For each conversation the user is in: the user's own read cursor, and in a direct chat the
 * other member's cursors (the status of each of the user's messages follows from them).
 */
export function statesFor(userId: string, members: MemberState[]): Map<string, ConversationState> {
  const size = new Map<string, number>();
  const states = new Map<string, ConversationState>();
  for (const m of members) {
    size.set(m.conversationId, (size.get(m.conversationId) ?? 0) + 1);
    if (m.userId !== userId) continue;
    states.set(m.conversationId, {
      conversationId: m.conversationId,
      lastSeq: m.lastSeq,
      readSeq: m.readSeq,
      peerDeliveredSeq: 0,
      peerReadSeq: 0,
    });
  }
  for (const m of members) {
    const s = states.get(m.conversationId);
    if (!s || m.userId === userId || size.get(m.conversationId) !== 2) continue;
    [s.peerDeliveredSeq, s.peerReadSeq] = [m.deliveredSeq, m.readSeq];
  }
  return states;
}
