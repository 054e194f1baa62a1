/** Conversation ids and the partition that owns each conversation. */

/** The 1:1 conversation of two users: the same id whichever of them sends. */
export function directConversationId(a: string, b: string): string {
  const [lo, hi] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return `d:${lo}:${hi}`;
}

/** FNV-1a 32-bit: stable across processes and languages, cheap, well spread for short keys. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function partitionOf(conversationId: string, partitions: number): number {
  return fnv1a(conversationId) % partitions;
}
