/** Groups and live rooms: sizes, fan-out and text limits. */
import { field, type FieldSpec } from "../spec.ts";

export const groupFields = {
  groupMaxMembers: field(
    "GROUP_MAX_MEMBERS",
    "int",
    "2000",
    "Most members a group may have (creating, inviting, joining past it is GROUP_FULL).",
    { min: 2 },
  ),
  groupWriteDiffusionMax: field(
    "GROUP_WRITE_DIFFUSION_MAX",
    "int",
    "500",
    "Groups up to this many members get an inbox entry per member per message; larger ones are read from their own timeline and pushed only to watching connections.",
    { min: 0 },
  ),
  groupReceiptsDetailMax: field(
    "GROUP_RECEIPTS_DETAIL_MAX",
    "int",
    "200",
    "Largest group whose readers of a message can be listed (group.readers); above it only counts.",
    { min: 0 },
  ),
  groupNameMaxChars: field(
    "GROUP_NAME_MAX_CHARS",
    "int",
    "64",
    "Longest group (and room) name, in characters.",
    { min: 1, max: 255 },
  ),
  groupAnnouncementMaxChars: field(
    "GROUP_ANNOUNCEMENT_MAX_CHARS",
    "int",
    "2000",
    "Longest group announcement, in characters.",
    { min: 0, max: 10000 },
  ),
  groupAvatarMaxChars: field(
    "GROUP_AVATAR_MAX_CHARS",
    "int",
    "1024",
    "Longest group avatar URL (http or https), in characters.",
    { min: 0, max: 2048 },
  ),
  groupWatchTtlSec: field(
    "GROUP_WATCH_TTL_SEC",
    "int",
    "90",
    "How long a group.watch lasts unless renewed (clients renew about every third of it).",
    { min: 5 },
  ),
  roomPresenceTtlSec: field(
    "ROOM_PRESENCE_TTL_SEC",
    "int",
    "90",
    "How long a room.join lasts on its connection unless joined again.",
    { min: 5 },
  ),
} as const satisfies Record<string, FieldSpec>;
