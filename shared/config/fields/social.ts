/** Friends, profiles and devices. */
import { PLATFORMS } from "@im/protocol";
import { field, type FieldSpec } from "../spec.ts";

const LIMIT = new RegExp(`^(${PLATFORMS.join("|")}):\\d{1,3}$`);

export const socialFields = {
  dmPolicy: field(
    "DM_POLICY",
    "string",
    "everyone",
    "Who may message a user who has not chosen: `everyone`, or `friends` (only friends).",
    { pattern: /^(everyone|friends)$/ },
  ),
  deviceLimits: field(
    "DEVICE_LIMITS",
    "list",
    "phone:1,desktop:1,web:0",
    "Signed-in devices per platform class, `class:n` (0 or unlisted: any number); a login past it signs out the oldest (4110).",
    { pattern: LIMIT },
  ),
  remarkMaxChars: field(
    "REMARK_MAX_CHARS",
    "int",
    "32",
    "Longest remark (a private name for a friend), in characters.",
    { min: 1, max: 64 },
  ),
  friendRequestMaxChars: field(
    "FRIEND_REQUEST_MAX_CHARS",
    "int",
    "100",
    "Longest message of a friend request, in characters.",
    { min: 0, max: 255 },
  ),
  bioMaxChars: field(
    "BIO_MAX_CHARS",
    "int",
    "160",
    "Longest profile bio, in characters.",
    { min: 0, max: 255 },
  ),
} as const satisfies Record<string, FieldSpec>;
