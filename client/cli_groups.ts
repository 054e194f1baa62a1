/** The terminal client's group and live-room commands (see cli.ts). */
import { type GroupNotice, type ImClient, parseConversationId } from "./mod.ts";

export const GROUP_HELP = `groups:
  /groups                       your groups
  /group <name> <username>...   create a group with these members, and open it
  /open g:<id>                  open a group (plain text then goes there; @username mentions)
  /join g:<id> [message]        join (or ask to join) a group
  /invite <username>...   /kick <username>...   /leave   /dissolve
  /members                      members of the open group, with roles
  /promote <username>   /demote <username>   /owner <username>
  /mute <username> <minutes>   /unmute <username>   /muteall on|off
  /rename <name>   /announce <text>
  /readby                       "read by N" of your last messages in the open group
rooms:
  /room new <title>   /room join r:<id>   /room leave   /room say <text>`;

export interface CliContext {
  current(): string | null;
  setCurrent(conversationId: string): void;
  idOf(username: string): Promise<string>;
  name(userId: string): Promise<string>;
  say(text: string): void;
}

let room: string | null = null;

/** Runs a group or room command; false if `cmd` is not one. */
export async function groupCommand(
  client: ImClient,
  cmd: string,
  rest: string[],
  x: CliContext,
): Promise<boolean> {
  const g = () => {
    const c = x.current();
    if (!c || parseConversationId(c)?.kind !== "group") {
      throw new Error("open a group first: /open g:<id>");
    }
    return c;
  };
  const users = () => Promise.all(rest.map((u) => x.idOf(u)));
  const done = (r: { noticeSeq: number | null; pending?: true }) =>
    x.say(
      r.pending
        ? "  asked; an admin decides"
        : r.noticeSeq === null
        ? "  nothing to change"
        : `  done (#${r.noticeSeq})`,
    );
  switch (cmd) {
    case "/groups":
      for (const i of await client.groups.list()) {
        x.say(
          `${i.conversationId}  ${i.name}  ${i.memberCount} members, you: ${i.role}${
            i.diffusion === "read" ? ", large" : ""
          }`,
        );
      }
      return true;
    case "/group": {
      const [groupName, ...members] = rest;
      const info = await client.groups.create({
        name: groupName,
        members: await Promise.all(members.map(x.idOf)),
      });
      x.setCurrent(info.conversationId);
      x.say(`created ${info.conversationId} (${info.name}); it is open`);
      return true;
    }
    case "/join":
      done(await client.groups.join(rest[0], rest.slice(1).join(" ") || undefined));
      return true;
    case "/invite":
      done(await client.groups.invite(g(), await users()));
      return true;
    case "/kick":
      done(await client.groups.kick(g(), await users()));
      return true;
    case "/leave":
      done(await client.groups.leave(g()));
      return true;
    case "/dissolve":
      done(await client.groups.dissolve(g()));
      return true;
    case "/members":
      for (const m of await client.groups.allMembers(g())) {
        x.say(
          `${await x.name(m.userId)}  ${m.role}${
            m.mutedUntil ? `  muted until ${new Date(m.mutedUntil).toLocaleString()}` : ""
          }`,
        );
      }
      return true;
    case "/promote":
    case "/demote":
      done(
        await client.groups.setRole(
          g(),
          await x.idOf(rest[0]),
          cmd === "/promote" ? "admin" : "member",
        ),
      );
      return true;
    case "/owner":
      done(await client.groups.transfer(g(), await x.idOf(rest[0])));
      return true;
    case "/mute":
      done(
        await client.groups.mute(
          g(),
          await x.idOf(rest[0]),
          Date.now() + Number(rest[1] ?? 60) * 60_000,
        ),
      );
      return true;
    case "/unmute":
      done(await client.groups.mute(g(), await x.idOf(rest[0]), null));
      return true;
    case "/muteall":
      done(await client.groups.muteAll(g(), rest[0] !== "off"));
      return true;
    case "/rename":
      done(await client.groups.update(g(), { name: rest.join(" ") }));
      return true;
    case "/announce":
      done(await client.groups.update(g(), { announcement: rest.join(" ") }));
      return true;
    case "/readby": {
      const seqs = client.store.ownSeqs(g(), 10);
      const counts = await client.groups.receipts(g(), seqs);
      for (const s of seqs) x.say(`  #${s} read by ${counts.get(s) ?? 0}`);
      return true;
    }
    case "/room":
      await roomCommand(client, rest, x);
      return true;
  }
  return false;
}

async function roomCommand(client: ImClient, [sub, ...rest]: string[], x: CliContext) {
  if (sub === "new") {
    const r = await client.rooms.create(rest.join(" "));
    x.say(`room ${r.conversationId} (${r.title}); /room join ${r.conversationId}`);
  } else if (sub === "join") {
    const r = await client.rooms.join(rest[0]);
    room = rest[0];
    x.say(`in ${r.title}: /room say <text>`);
  } else if (sub === "leave" && room) {
    client.rooms.leave(room);
    room = null;
  } else if (sub === "say" && room) client.rooms.send(room, rest.join(" "));
  else x.say("/room new <title> | join r:<id> | leave | say <text>");
}

/** The mentions of "@username" and "@all" words in a text for a group. */
export async function mentionsOf(text: string, x: CliContext) {
  const words = [...text.matchAll(/(?:^|\s)@([a-z0-9_]{3,32})\b/g)].map((m) => m[1]);
  const mentions = [];
  for (const w of words.filter((w) => w !== "all")) mentions.push(await x.idOf(w).catch(() => ""));
  return { mentions: mentions.filter(Boolean), mentionAll: words.includes("all") };
}

export async function noticeLine(n: GroupNotice, x: CliContext): Promise<string> {
  const users = await Promise.all((n.users ?? []).map(x.name));
  return `  * ${await x.name(n.actor)} ${n.event}${users.length ? ` ${users.join(", ")}` : ""}`;
}
