/** The partition that owns a key (a conversation id, or a user's own state). */

/** FNV-1a 32-bit: stable across processes and languages, cheap, well spread for short keys. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}
