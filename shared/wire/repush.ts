/**
 * The member string of a re-push schedule entry (a sorted set per partition, scored by due
 * time): written by the publisher and the scheduler, read by the scheduler.
 * "<userId>|<deviceId>|<conversationId>|<seq>|<msgId>|<attempt>"
 */

export interface Repush {
  userId: string;
  deviceId: string;
  conversationId: string;
  seq: number;
  msgId: string;
  /** 0 for the first re-push. */
  attempt: number;
}

export function encodeRepush(r: Repush): string {
  return `${r.userId}|${r.deviceId}|${r.conversationId}|${r.seq}|${r.msgId}|${r.attempt}`;
}

export function decodeRepush(member: string): Repush | null {
  const [userId, deviceId, conversationId, seq, msgId, attempt, extra] = member.split("|");
  if (!msgId || extra !== undefined) return null;
  const r = { userId, deviceId, conversationId, seq: Number(seq), msgId, attempt: Number(attempt) };
  return Number.isSafeInteger(r.seq) && Number.isSafeInteger(r.attempt) ? r : null;
}
