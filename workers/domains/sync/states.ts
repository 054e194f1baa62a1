/** Per-conversation state as one user sees it, from the member rows. */
import type { ConversationState } from "@im/protocol";
import { type MemberState, visibleLastSeq } from "../conversations/tables.ts";
import type { Window } from "../messages/tables.ts";

export interface ReaderState extends ConversationState {
  /** The seqs this user may read. */
  window: Window;
  /** False for a former member (left or removed): reading what they saw, nothing new. */
  current: boolean;
}

/**
 * For each conversation the user is in (or was): the user's own cursors and window, and in a
 * direct chat the other member's cursors (the status of each of the user's messages follows).
 */
export function statesFor(userId: string, members: MemberState[]): Map<string, ReaderState> {
  const size = new Map<string, number>();
  const states = new Map<string, ReaderState>();
  for (const m of members) {
    size.set(m.conversationId, (size.get(m.conversationId) ?? 0) + 1);
    if (m.userId !== userId) continue;
    states.set(m.conversationId, {
      conversationId: m.conversationId,
      lastSeq: visibleLastSeq(m),
      readSeq: m.readSeq,
      clearedSeq: m.clearedSeq,
      peerDeliveredSeq: 0,
      peerReadSeq: 0,
      window: { above: m.clearedSeq, upTo: m.leftSeq },
      current: m.leftSeq === null,
    });
  }
  for (const m of members) {
    const s = states.get(m.conversationId);
    if (!s || m.userId === userId || size.get(m.conversationId) !== 2) continue;
    [s.peerDeliveredSeq, s.peerReadSeq] = [m.deliveredSeq, m.readSeq];
  }
  return states;
}

/** The wire part of a reader's state. */
export function wireState({ window: _, current: __, ...s }: ReaderState): ConversationState {
  return s;
}
