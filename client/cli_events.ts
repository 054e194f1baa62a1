/** What the terminal client prints as things happen (see cli.ts): one line per event. */
import type { GroupNotice, ImClient, MessageView, PresenceView } from "./mod.ts";
import { FailureReporter } from "./cli_messages.ts";

export interface EventContext {
  /** Prints in call order; a promise holds its place until it resolves. */
  say(text: string | Promise<string>): void;
  name(userId: string): Promise<string>;
  /** The open conversation. */
  current(): string | null;
  line(m: MessageView): Promise<string>;
  notice(n: GroupNotice): Promise<string>;
}

export function wireEvents(client: ImClient, x: EventContext) {
  const { say, name } = x;
  // Lines that need a name lookup are queued as promises: printed in order all the same.
  client.on(
    "message",
    (m) => say(m.notice ? x.notice(m.notice) : x.line(m)),
  );
  client.on("room", (m) => say(name(m.from).then((n) => `  [room] ${n}: ${m.body}`)));
  client.on(
    "groupRequest",
    (r) =>
      say(
        name(r.userId).then((n) => `  ${n} asks to join ${r.conversationId}: ${r.message}`),
      ),
  );
  client.on("ack", ({ message }) => say(`  ✓ stored as #${message.seq} (msgId ${message.msgId})`));
  client.on("offline", (n) => say(`  ✓ #${n.seq} stored offline: they have no device online`));
  const named = (userId: string, text: (n: string) => string) => say(name(userId).then(text));
  client.on("receipt", (r) => {
    if (r.by === client.userId) return;
    named(r.by, (n) => `  ${n} has #${r.deliveredSeq}, read up to #${r.readSeq}`);
  });
  client.on("recall", (m) => named(m.from, (n) => `  ${n} recalled #${m.seq}`));
  client.on("edit", (m) => named(m.from, (n) => `  ${n} edited #${m.seq}: ${m.body}`));
  client.on("reaction", (r) => {
    named(r.by, (n) => `  ${n} ${r.add ? "reacted" : "took back"} ${r.emoji} on #${r.seq}`);
  });
  const failures = new FailureReporter(say);
  client.on("outbox", (items) => failures.update(items));
  client.on("typing", (t) => {
    if (t.conversationId !== x.current() || t.userId === client.userId) return;
    named(t.userId, (n) => `  ${n} ${t.active ? "is typing…" : "stopped typing"}`);
  });
  client.on("presence", (views) => {
    for (const v of views) named(v.userId, (n) => `  ${n} is ${presenceText(v)}`);
  });
  client.on("call", async (c) => {
    named(c.peer, (n) => `  ${n} is calling (${c.media}); the terminal cannot answer: declined`);
    await c.reject().catch(() => {});
  });
  client.on("state", (s) => {
    if (s.state === "reconnecting") say(`… connection lost; retrying in ${s.retryInMs} ms`);
    else if (s.state === "online" && s.attempt === 0) say("… online");
    else if (s.state === "stopped") say(`… disconnected: ${s.message}`);
  });
}

export function presenceText(v: PresenceView | undefined): string {
  if (!v) return "unknown (not watched yet)";
  if (v.online) return "online";
  return v.lastSeen ? `offline, last seen ${new Date(v.lastSeen).toLocaleString()}` : "offline";
}
