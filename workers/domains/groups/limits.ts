/** Pure checks of a group's (or room's) texts against the configured limits. */
import { ErrorCode } from "@im/protocol";
import type { Config } from "@im/shared/config";
import { PermanentError } from "@im/shared/errors";

const chars = (s: string) => [...s].length;

export function checkName(name: string, config: Config): PermanentError | null {
  const n = chars(name.trim());
  const max = config.groupNameMaxChars;
  return n < 1 || chars(name) > max
    ? new PermanentError(ErrorCode.NAME_LENGTH, `a name has 1 to ${max} characters`)
    : null;
}

export function checkAnnouncement(text: string, config: Config): PermanentError | null {
  const max = config.groupAnnouncementMaxChars;
  return chars(text) > max
    ? new PermanentError(
      ErrorCode.ANNOUNCEMENT_LENGTH,
      `an announcement has at most ${max} characters`,
    )
    : null;
}

/** An avatar is empty (none) or an http(s) URL within the limit. */
export function checkAvatar(url: string, config: Config): PermanentError | null {
  if (url === "") return null;
  let ok = url.length <= config.groupAvatarMaxChars;
  try {
    ok &&= ["http:", "https:"].includes(new URL(url).protocol);
  } catch {
    ok = false;
  }
  return ok ? null : new PermanentError(
    ErrorCode.AVATAR_INVALID,
    `an avatar is an http(s) URL of at most ${config.groupAvatarMaxChars} characters`,
  );
}

/** The first problem among the given fields, or null. */
export function checkTexts(
  d: { name?: string; avatar?: string; announcement?: string },
  config: Config,
): PermanentError | null {
  return (d.name !== undefined ? checkName(d.name, config) : null) ??
    (d.avatar !== undefined ? checkAvatar(d.avatar, config) : null) ??
    (d.announcement !== undefined ? checkAnnouncement(d.announcement, config) : null);
}
