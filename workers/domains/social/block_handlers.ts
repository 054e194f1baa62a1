/**
 * block.add / block.remove on the pair's partition (in order with the pair's direct messages and
 * friend requests). A block also drops pending requests both ways. Only the blocker's devices
 * hear of it: the blocked user is never told.
 */
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { addBlock, removeBlock } from "./blocks.ts";
import { checkExists, eachEntry } from "./common.ts";
import { removeRequest } from "./friend_tables.ts";

function emit(ctx: TxContext, e: Entry<"block.add"> | Entry<"block.remove">, blocked: boolean) {
  const frame = {
    type: "block.changed",
    data: { userId: e.env.frame.data.userId, blocked, at: ctx.now },
  } as const;
  ctx.reply(e, frame);
  ctx.outbox.toUser(e.env.userId, frame, { exceptConnId: e.env.connId });
}

export const handleBlockAdd: TxHandler<"block.add"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, them) => {
    const missing = await checkExists(ctx, them);
    if (missing) return missing;
    await addBlock(ctx.tx, me, them, ctx.now); // blocking twice changes nothing
    await removeRequest(ctx.tx, me, them);
    await removeRequest(ctx.tx, them, me);
    emit(ctx, e, true);
  });

export const handleBlockRemove: TxHandler<"block.remove"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, them) => {
    if (!(await removeBlock(ctx.tx, me, them))) {
      return new PermanentError(ErrorCode.NOT_BLOCKED, "this user is not blocked");
    }
    emit(ctx, e, false);
  });
