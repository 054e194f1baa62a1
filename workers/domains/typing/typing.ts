/**
 * typing: pushed to the conversation's other members, never stored, no transaction. Only a
 * member may signal; the frame expires by itself on the receivers (`expiresInMs`), so a stop
 * that never comes (a dropped connection) cannot leave "typing…" up.
 */
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { EphemeralHandler } from "../../context.ts";

export const TYPING_EXPIRES_MS = 6000;

export const handleTyping: EphemeralHandler<"typing"> = async (ctx, entries) => {
  const members = await ctx.members.of(entries.map((e) => e.env.frame.data.conversationId));
  for (const e of entries) {
    const { conversationId, active } = e.env.frame.data;
    const ids = members.get(conversationId) ?? [];
    if (!ids.includes(e.env.userId)) {
      ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such conversation"));
      continue;
    }
    ctx.outbox.toUsers(ids.filter((u) => u !== e.env.userId), {
      type: "typing",
      data: { conversationId, userId: e.env.userId, active, expiresInMs: TYPING_EXPIRES_MS },
    });
  }
};
