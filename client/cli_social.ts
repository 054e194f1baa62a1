/**
 * The terminal client's commands for friends, blocks, profile, devices and the conversation
 * list (see cli.ts). Each returns false for a command it does not know.
 */
import type { AuthApi, ImClient } from "./mod.ts";

export const SOCIAL_HELP = `  /friends              friends and pending requests
  /add <user> [message] ask to be friends
  /accept <user> | /decline <user> | /cancel <user> | /unfriend <user>
  /remark <user> [name] your private name for a friend (none: remove it)
  /block <user> | /unblock <user> | /blocked
  /profile [nickname=… bio=… avatar=… dm=everyone|friends]
  /devices              your signed-in devices; /signout <deviceId> signs one out
  /pin /unpin /mute /unmute /hide /delete   the open conversation (delete: for you only)`;

export interface CliContext {
  client: ImClient;
  api: AuthApi;
  idOf(user: string | undefined): Promise<string>;
  name(userId: string): Promise<string>;
  open(): string;
  say(text: string): void;
}

export async function socialCommand(c: CliContext, cmd: string, rest: string[]) {
  const { client, say } = c;
  const s = client.social;
  const user = () => c.idOf(rest[0]);
  switch (cmd) {
    case "/friends": {
      await Promise.all([s.loadFriends(), s.loadRequests("in"), s.loadRequests("out")]);
      for (const f of s.friends.items.values()) {
        say(`friend  ${f.username}${f.remark ? ` ("${f.remark}")` : ""}`);
      }
      for (const r of s.incoming.items.values()) say(`asks you  ${r.user.username}: ${r.message}`);
      for (const r of s.outgoing.items.values()) say(`you asked  ${r.user.username}`);
      return true;
    }
    case "/add":
      await s.requestFriend(await user(), rest.slice(1).join(" ") || undefined);
      return true;
    case "/accept":
      await s.acceptFriend(await user());
      return true;
    case "/decline":
      await s.declineFriend(await user());
      return true;
    case "/cancel":
      await s.cancelRequest(await user());
      return true;
    case "/unfriend":
      await s.removeFriend(await user());
      return true;
    case "/remark":
      await s.setRemark(await user(), rest.slice(1).join(" "));
      return true;
    case "/block":
      await s.block(await user());
      return true;
    case "/unblock":
      await s.unblock(await user());
      return true;
    case "/blocked":
      for (const b of await s.loadBlocked()) say(`blocked  ${b.username}`);
      return true;
    case "/profile": {
      const change = Object.fromEntries(
        rest.map((kv) => kv.split("=")).map(([k, ...v]) => [
          ({ avatar: "avatarUrl", dm: "dmPolicy" } as Record<string, string>)[k] ?? k,
          v.join("="),
        ]),
      );
      const p = rest.length ? await s.updateProfile(change) : await s.loadProfile();
      say(
        `${p.nickname} (@${p.username}) ${p.bio} · avatar ${
          p.avatarUrl || "none"
        } · dm ${p.dmPolicy}`,
      );
      return true;
    }
    case "/devices":
      for (const d of await c.api.devices(client.session.accessToken)) {
        const seen = d.online ? "online" : `seen ${new Date(d.lastSeenAt).toLocaleString()}`;
        say(`${d.deviceId}  ${d.platform} ${d.name}  ${seen}${d.current ? "  (this one)" : ""}`);
      }
      return true;
    case "/signout":
      await c.api.signOutDevice(client.session.accessToken, rest[0] ?? "");
      say(`signed out ${rest[0]}`);
      return true;
    case "/pin":
    case "/unpin":
      await client.inbox.pin(c.open(), cmd === "/pin");
      return true;
    case "/mute":
    case "/unmute":
      await client.inbox.mute(c.open(), cmd === "/mute");
      return true;
    case "/hide":
      await client.inbox.hide(c.open());
      return true;
    case "/delete":
      await client.inbox.deleteForMe(c.open());
      say("deleted for you (the others keep theirs)");
      return true;
  }
  return false;
}

/** Prints friend changes as they come, from any of your devices or theirs. */
export function wireSocial(c: CliContext) {
  c.client.on("friend", async (f) => {
    const who = await c.name(f.userId);
    const by = f.by === c.client.userId ? "you" : who;
    c.say(`  friends: ${f.kind} (${by === "you" ? `you and ${who}` : who})`);
  });
  c.client.on("block", async (b) => {
    c.say(`  ${b.blocked ? "blocked" : "unblocked"} ${await c.name(b.userId)}`);
  });
}
