/** Read-only views for operators: who is online, a message by id, partitions and their lag. */
import type { Db } from "@im/shared/db";
import type { Keys } from "@im/shared/keys";
import {
  readStreamStats,
  type Redis,
  type Route,
  type RouteStore,
  scanPage,
} from "@im/shared/redis";

/** Redis glob characters in a key prefix must not act as patterns. */
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * One page of online users, by SCAN over the route hashes (cursor "0" starts and ends a walk):
 * each with its live devices. A page may hold fewer users than `count`, or none, and the walk
 * still go on (SCAN's contract); a user seen twice during a walk is possible and harmless.
 */
export async function onlineUsers(
  redis: Redis,
  keys: Keys,
  routes: RouteStore,
  cursor: string,
  count: number,
): Promise<{ cursor: string; users: Array<{ userId: string; devices: Route[] }> }> {
  const pattern = `${globEscape(keys.prefix)}{u*}:routes`;
  const [next, found] = await scanPage(redis, cursor, pattern, count);
  const head = `${keys.prefix}{u`;
  const ids = found.map((k) => k.slice(head.length, k.indexOf("}", head.length)))
    .filter((id) => /^\d+$/.test(id));
  const live = await routes.lookup(ids);
  const users = ids.flatMap((userId) => {
    const devices = live.get(userId) ?? [];
    return devices.length ? [{ userId, devices }] : [];
  });
  return { cursor: next, users };
}

export async function messageById(db: Db, msgId: string) {
  if (!/^[1-9]\d{0,19}$/.test(msgId)) return null;
  const m = await db.selectFrom("messages").selectAll().where("msg_id", "=", msgId)
    .executeTakeFirst();
  if (!m) return null;
  return {
    msgId: m.msg_id,
    conversationId: m.conversation_id,
    seq: m.seq,
    senderId: m.sender_id,
    clientMsgId: m.client_msg_id,
    kind: m.kind,
    body: m.body,
    createdAt: Number(m.created_at),
    recalledAt: m.recalled_at === null ? null : Number(m.recalled_at),
    sourceEntry: m.source_entry,
  };
}

/** Every partition's owner, fence, length, lag and pending, the lanes', and the live workers. */
export async function partitionsView(
  redis: Redis,
  keys: Keys,
  partitions: number,
  deadMs: number,
) {
  const [stats, workers] = await Promise.all([
    readStreamStats(redis, keys, partitions),
    redis.zrange(keys.workerRegistry(), 0, -1, "WITHSCORES"),
  ]);
  const now = Date.now();
  const beats: Array<{ workerId: string; lastBeatMs: number; live: boolean }> = [];
  for (let i = 0; i + 1 < workers.length; i += 2) {
    const at = Number(workers[i + 1]);
    beats.push({ workerId: workers[i], lastBeatMs: at, live: now - at < deadMs });
  }
  const num = (n: number) => (Number.isNaN(n) ? null : n);
  return {
    streams: stats.map((s) => {
      const sep = s.lease?.lastIndexOf(":") ?? -1;
      return {
        stream: s.name,
        partition: s.partition,
        length: num(s.length),
        lag: num(s.lag),
        pending: num(s.pending),
        ...(s.partition === null ? {} : {
          owner: s.lease && sep > 0 ? s.lease.slice(0, sep) : null,
          fence: s.lease && sep > 0 ? Number(s.lease.slice(sep + 1)) : null,
        }),
      };
    }),
    workers: beats,
  };
}
