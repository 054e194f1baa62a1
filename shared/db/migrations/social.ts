/** Migrations 020-029 (friends, blocks, profiles, devices, the conversation list), in order. */
import type { Migration } from "kysely/migration";
import * as m020 from "./020_friends.ts";
import * as m021 from "./021_member_settings.ts";
import * as m022 from "./022_devices.ts";
import * as m023 from "./023_profiles.ts";
import * as m024 from "./024_server_keys.ts";

export const socialMigrations: Record<string, Migration> = {
  "020_friends": m020,
  "021_member_settings": m021,
  "022_devices": m022,
  "023_profiles": m023,
  "024_server_keys": m024,
};
