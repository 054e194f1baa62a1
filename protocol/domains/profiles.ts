/**
 * Profiles: a public part anyone may read (nickname, avatar, bio) and your private settings
 * (who may message you). Changes run on your own partition and reach your other devices.
 */
import { userId } from "../fields.ts";
import { list, literal, object, optional, str } from "../schema.ts";
import { read, tx, userKey } from "../spec.ts";

export type DmPolicy = "everyone" | "friends";

const updateData = object(
  {
    // Loose bounds: the worker applies the configured limits (PROFILE_INVALID).
    nickname: optional(str({ max: 1000 })),
    /** An https URL ("" removes it); a media reference once media exists. */
    avatarUrl: optional(str({ max: 4000 })),
    bio: optional(str({ max: 4000 })),
    /** Who may start or continue a direct chat with you: everyone, or friends only. */
    dmPolicy: optional(literal("everyone", "friends")),
  },
  (d) => Object.keys(d).length === 0 ? "needs at least one field" : null,
);

export const profileFrames = {
  "profile.update": tx(updateData, "profile.me", (_, u) => userKey(u)),
  "profile.mine": read(object({}), "profile.me"),
  /** Public profiles of up to 100 users; unknown ids are left out. */
  "profile.get": read(object({ userIds: list(userId, 100) }), "profile.list"),
};

export interface PublicProfile {
  userId: string;
  username: string;
  nickname: string;
  /** "" when none. */
  avatarUrl: string;
  bio: string;
}

export interface MyProfile extends PublicProfile {
  /** Your effective policy (the server's DM_POLICY until you choose). */
  dmPolicy: DmPolicy;
}

export interface ProfileServerData {
  /** Your own profile and settings: reply to profile.update / profile.mine, pushed to your other devices. */
  "profile.me": MyProfile;
  "profile.list": { profiles: PublicProfile[] };
}
