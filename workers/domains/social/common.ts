/** What the friend and block handlers share: the target checks and running entries one by one. */
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext } from "../../context.ts";
import { existingUsers } from "../users/tables.ts";

type PairType =
  | "friend.request"
  | "friend.accept"
  | "friend.decline"
  | "friend.cancel"
  | "friend.delete"
  | "friend.remark"
  | "block.add"
  | "block.remove";

/**
 * Runs `fn` for each entry in stream order (later entries see earlier ones' writes in the same
 * transaction); a returned error answers that entry and nothing of it was written.
 */
export async function eachEntry<T extends PairType>(
  ctx: TxContext,
  entries: Array<Entry<T>>,
  fn: (e: Entry<T>, me: string, them: string) => Promise<PermanentError | void>,
): Promise<void> {
  for (const e of entries) {
    const me = e.env.userId;
    const them = (e.env.frame as unknown as { data: { userId: string } }).data.userId;
    const err = me === them
      ? new PermanentError(ErrorCode.SELF_TARGET, "you cannot do that to yourself")
      : await fn(e, me, them);
    if (err) ctx.reject(e, err);
  }
}

/** Null when the user exists (cached: accounts are never deleted), else NO_SUCH_USER. */
export async function checkExists(ctx: TxContext, userId: string): Promise<PermanentError | null> {
  if (!ctx.knownUsers.has(userId)) {
    for (const id of await existingUsers(ctx.tx, [userId])) ctx.knownUsers.add(id);
  }
  return ctx.knownUsers.has(userId)
    ? null
    : new PermanentError(ErrorCode.NO_SUCH_USER, "no such user");
}

/** One answer for "blocked, either way" and "their policy refuses you": it tells nothing more. */
export const refused = () =>
  new PermanentError(ErrorCode.REFUSED, "this user does not accept this from you");

/** Length in characters (not UTF-16 units), as every configured limit counts. */
export const chars = (s: string) => [...s].length;

export const CONTROL = /[\p{Cc}]/u;
