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
  directPeer,
  ErrorCode,
  HttpError,
  ImClient,
  type MessageView,
  type PresenceView,
} from "./mod.ts";

const HELP = `commands:
  /open <username>      open the conversation with a user (plain text then goes there)
  /to <username> <text> send one message
  /list                 conversations, with unread counts
  /history [n]          the last n messages of the open conversation (default 20)
  /older                load earlier messages of the open conversation
  /read                 mark the open conversation read
  /recall <msgId>       recall one of your messages
  /who                  presence of the open conversation's other member
  /hide | /show         hide your presence from everyone, or show it again
  /retry                resend messages that failed
  /quit                 leave`;

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
let unwatch: (() => void) | null = null;

try {
  if (values.register) {
    await api.register({ username, password }).catch((e) => {
      if (!(e instanceof HttpError && e.code === ErrorCode.USERNAME_TAKEN)) throw e;
    });
  }
  const client = new ImClient({ api, session: await api.login({ username, password }) });
  names.set(client.userId, username);
  wire(client);
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
  client.on("message", async (m) => say(await line(client, m)));
  client.on("ack", ({ message }) => say(`  ✓ stored as #${message.seq} (msgId ${message.msgId})`));
  client.on("offline", (n) => say(`  ✓ #${n.seq} stored offline: they have no device online`));
  client.on("receipt", async (r) => {
    if (r.by === client.userId) return;
    say(`  ${await name(client, r.by)} has #${r.deliveredSeq}, read up to #${r.readSeq}`);
  });
  client.on("recall", async (m) => say(`  ${await name(client, m.from)} recalled #${m.seq}`));
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
      else if (cmd === "/open") {
        const peer = await idOf(client, rest[0]);
        current = client.conversationWith(peer);
        unwatch?.();
        unwatch = client.watchPresence([peer]);
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
        for (const c of client.conversations()) {
          const last = c.lastMessage ? ` — ${c.lastMessage.body || "(recalled)"}` : "";
          const who = c.peerId ? await name(client, c.peerId) : c.conversationId;
          say(`${who}  unread ${c.unread}${last}`);
        }
      } else if (cmd === "/history" || cmd === "/older") {
        const conv = open(client);
        if (cmd === "/older") await client.loadOlder(conv);
        const n = Number(rest[0] ?? 20);
        for (const m of client.store.get(conv)?.messages.slice(-n) ?? []) {
          if (m.kind === "text" || m.kind === "call") say(await line(client, m));
        }
      } else if (cmd === "/read") await client.markRead(open(client));
      else if (cmd === "/recall") await client.recall(rest[0]);
      else if (cmd === "/retry") {
        for (const o of client.outbox.all()) if (o.state === "failed") client.retry(o.clientMsgId);
      } else if (cmd.startsWith("/")) say(`unknown command ${cmd}; /help`);
      else if (!current) say("open a conversation first: /open <username>");
      else await client.send(current, text.trim());
      if (current && cmd && !cmd.startsWith("/")) client.typingDone(current);
    } catch (err) {
      say(`error: ${describeError(err)}`);
    }
  }
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
  if (m.kind === "call" && m.call) {
    const c = m.call;
    const how = c.outcome === "finished" ? `${Math.round(c.durationMs / 1000)} s` : c.outcome;
    return `[${t}] #${m.seq} ${who}: (${c.media} call, ${how})`;
  }
  return `[${t}] #${m.seq} ${who}: ${m.recalled ? "(recalled)" : m.body}`;
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
