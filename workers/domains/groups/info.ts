/** The wire view of a group, as one user sees it. */
import type { GroupInfo } from "@im/protocol";
import type { Config } from "@im/shared/config";
import { diffusionOf } from "./state.ts";
import type { GroupRow, MemberRow } from "./tables.ts";

export function infoOf(
  g: GroupRow,
  me: Pick<MemberRow, "role" | "mutedUntil" | "leftSeq"> | undefined,
  config: Config,
): GroupInfo {
  const current = me && me.leftSeq === null;
  return {
    conversationId: g.conversationId,
    name: g.name,
    avatar: g.avatar,
    announcement: g.announcement,
    joinPolicy: g.joinPolicy,
    ownerId: g.ownerId,
    memberCount: g.memberCount,
    mutedAll: g.mutedAll,
    dissolved: g.dissolvedAt !== null,
    diffusion: diffusionOf(g, config),
    createdAt: g.createdAt,
    role: current ? me.role : null,
    mutedUntil: current && me.mutedUntil !== null ? me.mutedUntil : null,
  };
}
