/** ids.fetch: reserves up to 1000 snowflake msgIds for this user (usable once, by them only). */
import type { TxHandler } from "../../context.ts";
import { reserveIds } from "./tables.ts";

export const handleIdsFetch: TxHandler<"ids.fetch"> = async (ctx, entries) => {
  for (const e of entries) {
    const ids = Array.from({ length: e.env.frame.data.count }, () => ctx.nextId());
    await reserveIds(ctx.tx, e.env.userId, ids, ctx.now);
    ctx.reply(e, { type: "ids.batch", data: { ids } });
  }
};
