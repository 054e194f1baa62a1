/**
 * typing: pushed to the conversation's other members, never stored, no transaction. Only a
 * member may signal; the frame expires by itself on the receivers (`expiresInMs`,
 * TYPING_EXPIRES_MS), so a stop that never comes (a dropped connection) cannot leave "typing…"
 * up. In a direct chat a block either way silences it (the sender is not told; the block is seen
within BLOCK_CACHE_MS). The gateway
 * limits how often one connection may start typing (TYPING_MIN_INTERVAL_MS).
 */
import { directPeer, ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { EphemeralHandler } from "../../context.ts";
import { blockCacheFor, pairKey } from "./block_cache.ts";

export const handleTyping: EphemeralHandler<"typing"> = async (ctx, entries) => {
  const members = await ctx.members.of(entries.map((e) => e.env.frame.data.conversationId));
  const direct = entries.flatMap((e): Array<[string, string]> => {
    const peer = directPeer(e.env.frame.data.conversationId, e.env.userId);
    return peer ? [[e.env.userId, peer]] : [];
  });
  const blocked = await blockCacheFor(ctx.config).blocked(ctx.db, direct, ctx.now);
  for (const e of entries) {
    const { conversationId, active } = e.env.frame.data;
    const ids = members.get(conversationId) ?? [];
    if (!ids.includes(e.env.userId)) {
      ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such conversation"));
      continue;
    }
    const peer = directPeer(conversationId, e.env.userId);
    if (peer && blocked.has(pairKey(e.env.userId, peer))) continue;
    ctx.outbox.toUsers(ids.filter((u) => u !== e.env.userId), {
      type: "typing",
      data: {
        conversationId,
        userId: e.env.userId,
        active,
        expiresInMs: ctx.config.typingExpiresMs,
      },
    });
  }
};
