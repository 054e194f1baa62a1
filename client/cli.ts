/**
 * `deno task chat`: a terminal client for quick manual tries.
 *
 *   deno task chat --url http://127.0.0.1:8080 --user alice [--register]
 *
 * The password comes from IM_PASSWORD or a prompt. Type text to send it to the open
 * conversation; /help lists the commands. Incoming messages, receipts and connection changes
 * are printed as they happen.
 */
import { parseArgs } from "node:util";
import {
  AuthApi,
  describeError,
  describeMessage,
  directPeer,
  ErrorCode,
  HttpError,
  ImClient,
  markedSnippet,
  type MessageView,
  parseConversationId,
  type PresenceView,
  type SearchHit,
} from "./mod.ts";
import { type CliContext, SOCIAL_HELP, socialCommand, wireSocial } from "./cli_social.ts";
import {
  type CliContext as GroupCli,
  GROUP_HELP,
  groupCommand,
  mentionsOf,
  noticeLine,
} from "./cli_groups.ts";

const HELP = `commands:
  /open <username>      open the conversation with a user (plain text then goes there)
  /to <username> <text> send one message
  /list                 conversations (the server's list: pinned first, unread counts)
  /history [n]          the last n messages of the open conversation (default 20)
  /older                load earlier messages of the open conversation
  /read                 mark the open conversation read
  /recall <msgId>       recall one of your messages
  /search <words>       search your messages (all conversations; /search here <words>: the
                        open one); matches are [bracketed]; /more for the next page
  /file <path> [text]   send a file (images go as images) to the open conversation
  /where <lat> <lon> [name]  send a location
  /reply <msgId> <text> answer a message
  /edit <msgId> <text>  change one of your messages
  /react <msgId> <emoji> react (again to remove)
  /forward <msgId> <username>  forward a message
  /who                  presence of the open conversation's other member
  /hide | /show         hide your presence from everyone, or show it again
  /retry                resend messages that failed
${SOCIAL_HELP}
  /quit                 leave
${GROUP_HELP}`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string", default: Deno.env.get("IM_URL") ?? "http://127.0.0.1:8080" },
    user: { type: "string", default: Deno.env.get("IM_USER") },
    register: { type: "boolean", default: false },
  },
});

const api = new AuthApi(values.url!);
const username = values.user ?? prompt("username:")?.trim() ?? "";
const password = Deno.env.get("IM_PASSWORD") ?? prompt("password:") ?? "";
const names = new Map<string, string>();
const ids = new Map<string, string>();
let current: string | null = null; // the open conversation
let lastSearch: { query: string; conversationId?: string; cursor?: string } | null = null;
let unwatch: (() => void) | null = null;

try {
  if (values.register) {
    await api.register({ username, password }).catch((e) => {
      if (!(e instanceof HttpError && e.code === ErrorCode.USERNAME_TAKEN)) throw e;
    });
  }
  const session = await api.login({
    username,
    password,
    platform: "other",
    deviceName: "terminal",
  });
  const client = new ImClient({ api, session });
  names.set(client.userId, username);
  wire(client);
  wireSocial(cli(client));
  await client.connect();
  say(`logged in as ${username} (${client.userId}) on ${client.gatewayId}. /help for commands.`);
  await repl(client);
  client.close();
} catch (err) {
  say(`error: ${describeError(err)}`);
  Deno.exit(1);
}
Deno.exit(0);

function wire(client: ImClient) {
  client.on(
    "message",
    async (m) =>
      say(m.notice ? await noticeLine(m.notice, groupCli(client)) : await line(client, m)),
  );
  client.on("room", async (m) => say(`  [room] ${await name(client, m.from)}: ${m.body}`));
  client.on(
    "groupRequest",
    async (r) =>
      say(`  ${await name(client, r.userId)} asks to join ${r.conversationId}: ${r.message}`),
  );
  client.on("ack", ({ message }) => say(`  ✓ stored as #${message.seq} (msgId ${message.msgId})`));
  client.on("offline", (n) => say(`  ✓ #${n.seq} stored offline: they have no device online`));
  client.on("receipt", async (r) => {
    if (r.by === client.userId) return;
    say(`  ${await name(client, r.by)} has #${r.deliveredSeq}, read up to #${r.readSeq}`);
  });
  client.on("recall", async (m) => say(`  ${await name(client, m.from)} recalled #${m.seq}`));
  client.on(
    "edit",
    async (m) => say(`  ${await name(client, m.from)} edited #${m.seq}: ${m.body}`),
  );
  client.on(
    "reaction",
    async (r) =>
      say(
        `  ${await name(client, r.by)} ${r.add ? "reacted" : "took back"} ${r.emoji} on #${r.seq}`,
      ),
  );
  client.on("outbox", (items) => {
    for (const o of items) if (o.state === "failed") say(`  ✗ not sent: ${o.body} (${o.error})`);
  });
  client.on("typing", async (t) => {
    if (t.conversationId !== current || t.userId === client.userId) return;
    say(`  ${await name(client, t.userId)} ${t.active ? "is typing…" : "stopped typing"}`);
  });
  client.on("presence", async (views) => {
    for (const v of views) say(`  ${await name(client, v.userId)} is ${presenceText(v)}`);
  });
  client.on("call", async (c) => {
    say(
      `  ${await name(
        client,
        c.peer,
      )} is calling (${c.media}); the terminal cannot answer: declined`,
    );
    await c.reject().catch(() => {});
  });
  client.on("state", (s) => {
    if (s.state === "reconnecting") say(`… connection lost; retrying in ${s.retryInMs} ms`);
    else if (s.state === "online" && s.attempt === 0) say("… online");
    else if (s.state === "stopped") say(`… disconnected: ${s.message}`);
  });
}

async function repl(client: ImClient) {
  for await (const text of lines()) {
    const [cmd, ...rest] = text.trim().split(/\s+/);
    try {
      if (!cmd) continue;
      if (cmd === "/quit") return;
      if (cmd === "/help") say(HELP);
      else if (await groupCommand(client, cmd, rest, groupCli(client))) continue;
      else if (cmd === "/open") {
        const group = parseConversationId(rest[0] ?? "")?.kind === "group";
        const peer = group ? null : await idOf(client, rest[0]);
        current = peer ? client.conversationWith(peer) : rest[0];
        unwatch?.();
        unwatch = peer ? client.watchPresence([peer]) : null;
        say(`talking to ${rest[0]}`);
      } else if (cmd === "/who") {
        const peer = directPeer(open(client), client.userId);
        const v = peer ? client.presenceOf(peer) : undefined;
        say(peer ? `${await name(client, peer)} is ${presenceText(v)}` : "not a direct chat");
      } else if (cmd === "/hide" || cmd === "/show") {
        const v = await client.setPresenceHidden(cmd === "/hide");
        say(`others now see you as ${presenceText(v)}`);
      } else if (cmd === "/to") {
        const to = client.conversationWith(await idOf(client, rest[0]));
        await client.send(to, rest.slice(1).join(" "));
      } else if (cmd === "/list") {
        for (const c of await client.inbox.load()) {
          const last = c.lastMessage ? ` — ${c.lastMessage.body || "(recalled)"}` : "";
          const who = c.peerId ? await name(client, c.peerId) : c.conversationId;
          const flags = `${c.pinned ? " [pinned]" : ""}${c.muted ? " [muted]" : ""}`;
          say(`${who}${flags}  unread ${c.unread}${c.mentioned ? " @you" : ""}${last}`);
        }
      } else if (cmd === "/history" || cmd === "/older") {
        const conv = open(client);
        if (cmd === "/older") await client.loadOlder(conv);
        const n = Number(rest[0] ?? 20);
        for (const m of client.store.get(conv)?.messages.slice(-n) ?? []) {
          if (m.kind !== "recall" && m.kind !== "edit") say(await line(client, m));
        }
      } else if (cmd === "/read") await client.markRead(open(client));
      else if (cmd === "/recall") await client.recall(rest[0]);
      else if (cmd === "/search") {
        const here = rest[0] === "here";
        lastSearch = { query: (here ? rest.slice(1) : rest).join(" ") };
        if (here) lastSearch.conversationId = open(client);
        await searchPage(client);
      } else if (cmd === "/more") {
        if (!lastSearch?.cursor) say("no more results");
        else await searchPage(client);
      } else if (cmd === "/file") {
        await sendFile(client, open(client), rest[0], rest.slice(1).join(" "));
      } else if (cmd === "/where") {
        const [latitude, longitude] = [Number(rest[0]), Number(rest[1])];
        const name = rest.slice(2).join(" ") || undefined;
        await client.sendContent(open(client), {
          kind: "location",
          location: { latitude, longitude, ...(name ? { name } : {}) },
        });
      } else if (cmd === "/reply") {
        await client.send(open(client), rest.slice(1).join(" "), { replyTo: rest[0] });
      } else if (cmd === "/edit") await client.edit(rest[0], rest.slice(1).join(" "));
      else if (cmd === "/react") {
        const mine = client.store.message(rest[0])?.reactions?.find((r) => r.emoji === rest[1])?.me;
        await client.react(rest[0], rest[1], !mine);
      } else if (cmd === "/forward") {
        await client.forward(rest[0], client.conversationWith(await idOf(client, rest[1])));
      } else if (cmd === "/retry") {
        for (const o of client.outbox.all()) if (o.state === "failed") client.retry(o.clientMsgId);
      } else if (await socialCommand(cli(client), cmd, rest)) continue;
      else if (cmd.startsWith("/")) say(`unknown command ${cmd}; /help`);
      else if (!current) say("open a conversation first: /open <username>");
      else if (parseConversationId(current)?.kind === "group") {
        await client.send(current, text.trim(), await mentionsOf(text, groupCli(client)));
      } else await client.send(current, text.trim());
      if (current && cmd && !cmd.startsWith("/")) client.typingDone(current);
    } catch (err) {
      say(`error: ${describeError(err)}`);
    }
  }
}

async function searchPage(client: ImClient) {
  const page = await client.search({ ...lastSearch!, limit: 10 });
  if (page.hits.length === 0) say("no messages found");
  for (const h of page.hits) say(await hitLine(client, h));
  lastSearch!.cursor = page.cursor;
  if (page.cursor) say("/more for more");
}

async function hitLine(client: ImClient, h: SearchHit): Promise<string> {
  const t = new Date(h.serverTime).toISOString().slice(0, 16).replace("T", " ");
  const who = h.from === client.userId ? "me" : await name(client, h.from);
  return `[${t}] ${h.conversationId} #${h.seq} ${who}: ${markedSnippet(h)}`;
}

function cli(client: ImClient): CliContext {
  return {
    client,
    api,
    idOf: (u) => idOf(client, u),
    name: (u) => name(client, u),
    open: () => open(client),
    say,
  };
}

function groupCli(client: ImClient): GroupCli {
  return {
    current: () => current,
    setCurrent: (c) => (current = c),
    idOf: (u) => idOf(client, u),
    name: (u) => name(client, u),
    say,
  };
}

function open(_client: ImClient): string {
  if (!current) throw new Error("open a conversation first: /open <username>");
  return current;
}

async function idOf(client: ImClient, user: string | undefined): Promise<string> {
  if (!user) throw new Error("which user?");
  const known = ids.get(user);
  if (known) return known;
  const u = await api.userByName(client.session.accessToken, user);
  ids.set(u.username, u.userId);
  names.set(u.userId, u.username);
  return u.userId;
}

async function name(client: ImClient, userId: string): Promise<string> {
  if (!names.has(userId)) {
    const u = await api.userById(client.session.accessToken, userId).catch(() => null);
    names.set(userId, u?.username ?? `user ${userId}`);
  }
  return names.get(userId)!;
}

async function line(client: ImClient, m: MessageView): Promise<string> {
  const t = new Date(m.serverTime).toTimeString().slice(0, 5);
  const who = m.from === client.userId ? "me" : await name(client, m.from);
  return `[${t}] #${m.seq} ${who}: ${describeMessage(m)}  (msgId ${m.msgId})`;
}

/** Streams a file from disk (never read whole), printing progress; the server decides its type. */
async function sendFile(client: ImClient, conv: string, path: string | undefined, caption: string) {
  if (!path) throw new Error("which file?");
  // (Here, not at module level: the REPL runs from the top-level await above this line.)
  const IMAGE = /\.(png|jpe?g|gif|webp|avif)$/i;
  const file = await Deno.open(path);
  const total = (await file.stat()).size;
  let shown = -1;
  await client.sendMedia(conv, {
    kind: IMAGE.test(path) ? "image" : "file",
    name: path.split(/[\\/]/).pop()!,
    body: file.readable,
    caption: caption || undefined,
    onProgress: ({ loaded }) => {
      const pct = Math.floor((loaded / Math.max(total, 1)) * 10) * 10;
      if (pct !== shown) say(`  uploading ${pct}%`), shown = pct;
    },
  });
}

function presenceText(v: PresenceView | undefined): string {
  if (!v) return "unknown (not watched yet)";
  if (v.online) return "online";
  return v.lastSeen ? `offline, last seen ${new Date(v.lastSeen).toLocaleString()}` : "offline";
}

function say(text: string) {
  console.log(text);
}

async function* lines(): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf;
}
