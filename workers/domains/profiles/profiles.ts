/**
 * profile.update (your own partition: checked, written, answered with your profile and pushed to
 * your other devices), profile.mine and profile.get (reads). Identity is the connection's: the
 * frames name no owner, so nobody can change or read another user's settings.
 */
import { type DmPolicy, ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { ReadHandler, TxHandler } from "../../context.ts";
import { myProfile, type ProfileChange, profilesOf, updateProfile } from "./tables.ts";

const NICKNAME_MAX = 64;
const AVATAR_MAX = 512;
// Shown to other users: no control characters (a bio may break lines).
const CONTROL = /[\p{Cc}]/u;
const CONTROL_BUT_NEWLINE = /[^\P{Cc}\n]/u;

const invalid = (what: string) => new PermanentError(ErrorCode.PROFILE_INVALID, what);

/** The change to store, or why it is refused (pure). */
export function checkProfile(
  c: ProfileChange,
  bioMaxChars: number,
): ProfileChange | PermanentError {
  const out: ProfileChange = { ...c };
  if (c.nickname !== undefined) {
    const n = c.nickname.trim();
    if (n.length === 0 || [...n].length > NICKNAME_MAX || CONTROL.test(n)) {
      return invalid(`nickname must have 1 to ${NICKNAME_MAX} characters, no control characters`);
    }
    out.nickname = n;
  }
  if (c.avatarUrl !== undefined && c.avatarUrl !== "") {
    let ok = c.avatarUrl.length <= AVATAR_MAX;
    try {
      ok &&= ["https:", "http:"].includes(new URL(c.avatarUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) return invalid(`avatarUrl must be an http(s) URL of at most ${AVATAR_MAX} characters`);
  }
  if (c.bio !== undefined && ([...c.bio].length > bioMaxChars || CONTROL_BUT_NEWLINE.test(c.bio))) {
    return invalid(`bio must have at most ${bioMaxChars} characters, no control characters`);
  }
  return out;
}

export const handleProfileUpdate: TxHandler<"profile.update"> = async (ctx, entries) => {
  const policy = ctx.config.dmPolicy as DmPolicy;
  for (const e of entries) {
    const change = checkProfile(e.env.frame.data, ctx.config.bioMaxChars);
    if (change instanceof PermanentError) {
      ctx.reject(e, change);
      continue;
    }
    await updateProfile(ctx.tx, e.env.userId, change);
    const me = await myProfile(ctx.tx, e.env.userId, policy);
    if (!me) {
      ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such user"));
      continue;
    }
    const frame = { type: "profile.me", data: me } as const;
    ctx.reply(e, frame);
    ctx.outbox.toUser(e.env.userId, frame, { exceptConnId: e.env.connId });
  }
};

export const handleProfileMine: ReadHandler<"profile.mine"> = async (ctx, e) => {
  const me = await myProfile(ctx.db, e.env.userId, ctx.config.dmPolicy as DmPolicy);
  // Accounts are never deleted; an answer is owed all the same.
  if (!me) return ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such user"));
  ctx.reply(e, { type: "profile.me", data: me });
};

export const handleProfileGet: ReadHandler<"profile.get"> = async (ctx, e) => {
  const found = await profilesOf(ctx.db, e.env.frame.data.userIds);
  ctx.reply(e, { type: "profile.list", data: { profiles: [...found.values()] } });
};
