/** search (read lane): one page of the user's own messages; identity from the envelope only. */
import type { ReadHandler } from "../../context.ts";
import { indexFor } from "./index/mod.ts";
import { searchPage } from "./query.ts";

export const handleSearch: ReadHandler<"search"> = async (ctx, e) => {
  const index = indexFor(ctx.config.searchEngine, ctx.db);
  const out = await searchPage(
    { db: ctx.db, index, limits: ctx.config },
    e.env.userId,
    e.env.frame.data,
  );
  if (out.ok) ctx.reply(e, { type: "search.page", data: out.page });
  else ctx.reject(e, out.error);
};
