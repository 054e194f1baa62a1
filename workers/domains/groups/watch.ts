/**
 * group.watch (ephemeral): a connection asks for the live feed of groups it belongs to. Large
 * groups push only to watching connections (see fanout.ts); a watch lasts GROUP_WATCH_TTL_SEC
 * and is renewed by watching again. A member removed meanwhile cannot come back this way: the
 * removal blocks their watches for one TTL (workers/watchers.ts).
 */
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { EphemeralHandler } from "../../context.ts";
import { isCurrent } from "./rights.ts";
import { loadGroups, memberRowsByPair } from "./tables.ts";

export const handleGroupWatch: EphemeralHandler<"group.watch"> = async (ctx, entries) => {
  const pairs = entries.flatMap((e) =>
    [...new Set(e.env.frame.data.conversationIds)].map((conversationId) => ({
      conversationId,
      userId: e.env.userId,
    }))
  );
  const groups = await loadGroups(ctx.db, [...new Set(pairs.map((p) => p.conversationId))]);
  const rows = await memberRowsByPair(ctx.db, pairs);
  const member = new Set(
    rows.filter((r) => isCurrent(r) && groups.get(r.conversationId)?.dissolvedAt === null)
      .map((r) => `${r.conversationId}|${r.userId}`),
  );
  const ttlMs = ctx.config.groupWatchTtlSec * 1000;
  for (const e of entries) {
    const refused: string[] = [];
    for (const conversationId of new Set(e.env.frame.data.conversationIds)) {
      if (!member.has(`${conversationId}|${e.env.userId}`)) {
        refused.push(conversationId);
        continue;
      }
      const { userId, gatewayId, connId } = e.env;
      ctx.outbox.watch({
        op: "watch",
        conversationId,
        target: { userId, gatewayId, connId },
        ttlMs,
      });
    }
    if (refused.length) {
      ctx.reject(
        e,
        new PermanentError(ErrorCode.NOT_FOUND, `no such group: ${refused.join(", ")}`),
      );
    }
  }
};
