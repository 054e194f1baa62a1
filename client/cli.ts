/**
 * `deno task chat`: a terminal client for quick manual tries.
 *
 *   deno task chat --url http://127.0.0.1:8080 --user alice [--register]
 *
 * The password comes from IM_PASSWORD or a prompt (not echoed on a terminal). Type text to send it to the open
 * conversation; /help lists the commands. Incoming messages, receipts and connection changes
 * are printed as they happen.
 */
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
import { Input, parseCliArgs, TTY_LINE_BYTES } from "./cli_input.ts";
import { presenceText, wireEvents } from "./cli_events.ts";
import { cutLineProblem, messageLine, msgIdOf, Printer, textProblem } from "./cli_messages.ts";

const HELP = `commands:
  /open <username>      open the conversation with a user (plain text then goes there)
  /to <username> [text] send one message (no text: open the conversation)
  /paste                send several lines as one message: end with a line holding only "."
  /list                 conversations (the server's list: pinned first, unread counts)
  /history [n]          the last n messages of the open conversation (default 20)
  /older                load earlier messages of the open conversation
  /read                 mark the open conversation read
  /recall <#seq>        recall one of your messages
  /search <words>       search your messages (all conversations; /search here <words>: the
                        open one); matches are [bracketed]; /more for the next page
  /file <path> [text]   send a file (images go as images) to the open conversation
  /where <lat> <lon> [name]  send a location
  /reply <#seq> <text>  answer a message
  /edit <#seq> <text>   change one of your messages
  /react <#seq> <emoji> react (again to remove)
  /forward <#seq> <username>  forward a message
  (<#seq> is the number shown as #3 in the open conversation, with or without "#"; a msgId
  works too)
  /who                  presence of the open conversation's other member
  /hide | /show         hide your presence from everyone, or show it again
  /retry                resend messages that failed
${SOCIAL_HELP}
  /quit                 leave
${GROUP_HELP}`;

const values = parseCliArgs(Deno.args);
if ("exit" in values) {
  (values.exit === 0 ? console.log : console.error)(values.text);
  Deno.exit(values.exit);
}

const input = new Input();
const printer = new Printer();
const api = new AuthApi(values.url);
const username = values.user ?? (await input.ask("username: "))?.trim() ?? "";
const password = Deno.env.get("IM_PASSWORD") ?? (await input.secret("password: "));
if (!username || !password) {
  console.error("error: a username and a password are needed (deno task chat --help)");
  Deno.exit(1);
}
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
  wireEvents(client, {
    say,
    name: (u) => name(client, u),
    current: () => current,
    line: (m) => line(client, m),
    notice: (n) => noticeLine(n, groupCli(client)),
  });
  wireSocial(cli(client));
  await client.connect();
  say(`logged in as ${username} (${client.userId}) on ${client.gatewayId}. /help for commands.`);
  await repl(client);
  client.close();
} catch (err) {
  say(`error: ${describeError(err)}`);
  await printer.flushed();
  Deno.exit(1);
}
await printer.flushed();
Deno.exit(0);

async function repl(client: ImClient) {
  for await (const { text, cut } of input.lines()) {
    const [cmd, ...rest] = text.trim().split(/\s+/);
    try {
      if (!cmd) continue;
      if (cut) {
        say(cutLineProblem(TTY_LINE_BYTES));
        continue;
      }
      if (cmd === "/quit") return;
      if (cmd === "/help") say(HELP);
      else if (await groupCommand(client, cmd, rest, groupCli(client))) continue;
      else if (cmd === "/open") await openWith(client, rest[0]);
      else if (cmd === "/who") {
        const peer = directPeer(open(client), client.userId);
        const v = peer ? client.presenceOf(peer) : undefined;
        say(peer ? `${await name(client, peer)} is ${presenceText(v)}` : "not a direct chat");
      } else if (cmd === "/hide" || cmd === "/show") {
        const v = await client.setPresenceHidden(cmd === "/hide");
        say(`others now see you as ${presenceText(v)}`);
      } else if (cmd === "/to") {
        if (rest.length < 2) await openWith(client, rest[0]);
        else {
          const to = client.conversationWith(await idOf(client, rest[0]));
          await sendText(client, to, text.trim().replace(/^\/to\s+\S+\s+/, ""));
        }
      } else if (cmd === "/paste") await paste(client);
      else if (cmd === "/list") {
        for (const c of await client.inbox.load()) {
          const last = c.lastMessage ? ` — ${describeMessage(c.lastMessage)}` : "";
          const who = c.peerId ? await name(client, c.peerId) : c.conversationId;
          const flags = `${c.pinned ? " [pinned]" : ""}${c.muted ? " [muted]" : ""}`;
          say(`${who}${flags}  unread ${c.unread}${c.mentioned ? " @you" : ""}${last}`);
        }
      } else if (cmd === "/history" || cmd === "/older") {
        const conv = open(client);
        if (cmd === "/older") await client.loadOlder(conv);
        const n = Number(rest[0] ?? 20);
        for (const m of client.store.get(conv)?.messages.slice(-n) ?? []) {
          if (m.kind !== "recall" && m.kind !== "edit") say(line(client, m));
        }
      } else if (cmd === "/read") await markRead(client, open(client));
      else if (cmd === "/recall") {
        const r = await client.recall(msgIdOf(client, current, rest[0]));
        say(`  recalled #${r.seq}`);
      } else if (cmd === "/search") {
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
        await quietly(client.sendContent(open(client), {
          kind: "location",
          location: { latitude, longitude, ...(name ? { name } : {}) },
        }));
      } else if (cmd === "/reply") {
        const replyTo = msgIdOf(client, current, rest[0]);
        await sendText(client, open(client), rest.slice(1).join(" "), { replyTo });
      } else if (cmd === "/edit") {
        await client.edit(msgIdOf(client, current, rest[0]), rest.slice(1).join(" "));
      } else if (cmd === "/react") {
        const msgId = msgIdOf(client, current, rest[0]);
        const mine = client.store.message(msgId)?.reactions?.find((r) => r.emoji === rest[1])?.me;
        await client.react(msgId, rest[1], !mine);
      } else if (cmd === "/forward") {
        const msgId = msgIdOf(client, current, rest[0]);
        await client.forward(msgId, client.conversationWith(await idOf(client, rest[1])));
      } else if (cmd === "/retry") {
        for (const o of client.outbox.all()) if (o.state === "failed") client.retry(o.clientMsgId);
      } else if (await socialCommand(cli(client), cmd, rest)) continue;
      else if (cmd.startsWith("/")) say(`unknown command ${cmd}; /help`);
      else if (!current) say("open a conversation first: /open <username>");
      else await sendText(client, current, text.trim());
      if (current && cmd && !cmd.startsWith("/")) client.typingDone(current);
    } catch (err) {
      say(`error: ${describeError(err)}`);
    }
  }
}

async function openWith(client: ImClient, target: string | undefined) {
  if (!target) throw new Error("which user? /open <username> (or g:<id> for a group)");
  const group = parseConversationId(target)?.kind === "group";
  const peer = group ? null : await idOf(client, target);
  current = peer ? client.conversationWith(peer) : target;
  unwatch?.();
  unwatch = peer ? client.watchPresence([peer]) : null;
  say(`talking to ${target}`);
}

/** Sends a text unless it is empty or too long for the server: never a cut or refused text. */
async function sendText(
  client: ImClient,
  conv: string,
  text: string,
  opts: { replyTo?: string } = {},
) {
  const problem = textProblem(client, text);
  if (problem) return say(problem);
  const mentions = parseConversationId(conv)?.kind === "group"
    ? await mentionsOf(text, groupCli(client))
    : {};
  await quietly(client.send(conv, text, { ...mentions, ...opts }));
}

/** A failed send is reported once, by the outbox listener; the rejection adds nothing. */
function quietly(p: Promise<unknown>): Promise<void> {
  return p.then(() => {}, () => {});
}

/** Lines up to one holding only ".", sent as one message (each line under the terminal limit). */
async function paste(client: ImClient) {
  const conv = open(client);
  say(`  pasting: end with a line holding only "."`);
  const body: string[] = [];
  let cut = false;
  // input.line(), not the REPL's generator: leaving a for-await early would close that.
  for (let l = await input.line(); l && l.text !== "."; l = await input.line()) {
    cut ||= l.cut;
    body.push(l.text);
  }
  if (cut) return say(cutLineProblem(TTY_LINE_BYTES));
  await sendText(client, conv, body.join("\n"));
}

async function markRead(client: ImClient, conv: string) {
  const upTo = client.store.get(conv)?.syncedSeq ?? 0;
  if (upTo <= 0) return say("  nothing to mark read yet");
  await client.markRead(conv, upTo);
  say(`  marked read up to #${upTo}`);
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

function line(client: ImClient, m: MessageView): Promise<string> {
  return messageLine(client, m, (u) => name(client, u));
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

function say(text: string | Promise<string>) {
  printer.say(text);
}
