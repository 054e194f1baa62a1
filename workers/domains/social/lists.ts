/**
 * friend.list, friend.requests and block.list: the caller's own lists only (the frames name no
 * owner), newest first, a page at a time behind signed cursors.
 */
import { DEFAULT_PAGE_LIMIT, type PublicProfile } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import type { ReadHandler } from "../../context.ts";
import { openCursor, signCursor, type TimeId, timeIdShape } from "../paging/cursors.ts";
import { profilesOf } from "../profiles/tables.ts";
import { blockPage } from "./blocks.ts";
import { friendPage, requestPage } from "./friend_tables.ts";

/** The position to start after, from the frame's cursor (throws PAGE_CURSOR_INVALID). */
const after = (db: Exec, list: string, userId: string, cursor: string | undefined) =>
  cursor === undefined ? null : openCursor(db, list, userId, cursor, timeIdShape);

/** Cuts the extra row a page query fetched into the next page's cursor. */
async function paged<R>(
  db: Exec,
  list: string,
  userId: string,
  rows: R[],
  limit: number,
  position: (r: R) => TimeId,
): Promise<{ rows: R[]; cursor?: string }> {
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  const last = position(page[page.length - 1]);
  return { rows: page, cursor: await signCursor(db, list, userId, [last.t, last.id]) };
}

/** A user that exists has a profile; a row naming one that does not is skipped. */
const withProfiles = async <R>(db: Exec, rows: R[], idOf: (r: R) => string) => {
  const profiles = await profilesOf(db, rows.map(idOf));
  return rows.flatMap((r) => {
    const p: PublicProfile | undefined = profiles.get(idOf(r));
    return p ? [[r, p] as const] : [];
  });
};

export const handleFriendList: ReadHandler<"friend.list"> = async (ctx, e) => {
  const me = e.env.userId;
  const limit = e.env.frame.data.limit ?? DEFAULT_PAGE_LIMIT;
  const start = await after(ctx.db, "friends", me, e.env.frame.data.cursor);
  const page = await paged(
    ctx.db,
    "friends",
    me,
    await friendPage(ctx.db, me, start, limit),
    limit,
    (r) => ({ t: r.since, id: r.friendId }),
  );
  const friends = (await withProfiles(ctx.db, page.rows, (r) => r.friendId)).map(([r, p]) => ({
    ...p,
    remark: r.remark,
    since: r.since,
  }));
  ctx.reply(e, { type: "friend.page", data: { friends, ...cursorOf(page) } });
};

export const handleFriendRequests: ReadHandler<"friend.requests"> = async (ctx, e) => {
  const me = e.env.userId;
  const { direction } = e.env.frame.data;
  const limit = e.env.frame.data.limit ?? DEFAULT_PAGE_LIMIT;
  const list = `requests-${direction}`;
  const other = (r: { from: string; to: string }) => direction === "in" ? r.from : r.to;
  const start = await after(ctx.db, list, me, e.env.frame.data.cursor);
  const page = await paged(
    ctx.db,
    list,
    me,
    await requestPage(ctx.db, me, direction, start, limit),
    limit,
    (r) => ({ t: r.createdAt, id: other(r) }),
  );
  const requests = (await withProfiles(ctx.db, page.rows, other)).map(([r, user]) => ({
    ...r,
    user,
  }));
  ctx.reply(e, {
    type: "friend.requests.page",
    data: { direction, requests, ...cursorOf(page) },
  });
};

export const handleBlockList: ReadHandler<"block.list"> = async (ctx, e) => {
  const me = e.env.userId;
  const limit = e.env.frame.data.limit ?? DEFAULT_PAGE_LIMIT;
  const start = await after(ctx.db, "blocks", me, e.env.frame.data.cursor);
  const page = await paged(
    ctx.db,
    "blocks",
    me,
    await blockPage(ctx.db, me, start, limit),
    limit,
    (r) => ({ t: r.at, id: r.blockedId }),
  );
  const blocked = (await withProfiles(ctx.db, page.rows, (r) => r.blockedId)).map(([r, p]) => ({
    ...p,
    blockedAt: r.at,
  }));
  ctx.reply(e, { type: "block.page", data: { blocked, ...cursorOf(page) } });
};

const cursorOf = (p: { cursor?: string }) => p.cursor === undefined ? {} : { cursor: p.cursor };
