/**
 * The terminal client's view of messages (see cli.ts): which message a `#seq` names, how a line
 * reads, whether a text may be sent, and printing that keeps the order things happened in.
 */
import { describeMessage, type ImClient, type MessageView, type Outgoing } from "./mod.ts";

/** The SDK's own default when the server has not said hello yet. */
const DEFAULT_MAX_BODY_CHARS = 5000;

/**
 * The msgId a user means: `#3` or `3` is the message with that seq in the open conversation
 * (what the terminal shows); a longer number is taken as a msgId (18 digits, shown as "msgId").
 */
export function msgIdOf(client: ImClient, current: string | null, arg: string | undefined) {
  if (!arg) throw new Error("which message? give its #seq (as shown) or its msgId");
  const seq = /^#?(\d{1,15})$/.exec(arg)?.[1];
  if (!seq) return arg;
  if (!current) throw new Error("open a conversation first: /open <username>");
  const m = client.store.get(current)?.messages.find((m) => m.seq === Number(seq));
  if (!m) throw new Error(`no #${seq} in the open conversation (/older loads earlier ones)`);
  return m.msgId;
}

/** Why a text cannot be sent, or null: empty, or over the server's MAX_BODY_CHARS. */
export function textProblem(client: ImClient, text: string): string | null {
  const max = client.limits?.maxBodyChars ?? DEFAULT_MAX_BODY_CHARS;
  const chars = [...text].length; // code points, as the server counts
  if (chars === 0) return "nothing to send: type the message after the command";
  if (chars > max) {
    return `not sent: the message has ${chars} characters and this server takes at most ${max}` +
      "; split it, or send it as a file with /file";
  }
  return null;
}

/** The text for a line that filled the terminal's line buffer. */
export function cutLineProblem(bytes: number): string {
  return `not sent: the line reached the terminal's limit of ${bytes - 1} bytes, so its end ` +
    "was cut off. Type or paste long text in shorter lines after /paste, or send it with /file";
}

/** One message as a terminal line; recall and edit notices say what they did. */
export async function messageLine(
  client: ImClient,
  m: MessageView,
  name: (userId: string) => Promise<string>,
): Promise<string> {
  const t = new Date(m.serverTime).toTimeString().slice(0, 5);
  const who = m.from === client.userId ? "me" : await name(m.from);
  return `[${t}] #${m.seq} ${who}: ${contentOf(client, m)}  (msgId ${m.msgId})`;
}

function contentOf(client: ImClient, m: MessageView): string {
  if (m.kind !== "recall" && m.kind !== "edit") return describeMessage(m);
  const target = m.ref ? client.store.message(m.ref)?.seq : undefined;
  const which = target ? ` #${target}` : "";
  return m.kind === "recall" ? `(recalled${which})` : `(edited${which})`;
}

/** Each failed send once, until it is retried (and fails again) or discarded. */
export class FailureReporter {
  #reported = new Set<string>();

  constructor(private readonly say: (text: string) => void) {}

  update(items: readonly Outgoing[]): void {
    const failed = new Set<string>();
    for (const o of items) {
      if (o.state !== "failed") continue;
      failed.add(o.clientMsgId);
      if (this.#reported.has(o.clientMsgId)) continue;
      this.#reported.add(o.clientMsgId);
      this.say(`  ✗ not sent: ${preview(o.body)} (${o.error}) /retry sends it again`);
    }
    for (const id of this.#reported) if (!failed.has(id)) this.#reported.delete(id);
  }
}

function preview(body: string): string {
  return body.length > 60 ? `${body.slice(0, 60)}…` : body;
}

/**
 * Prints in the order lines were asked for, even when some wait for a name lookup: without it
 * my own messages (no lookup) printed before the peer's earlier ones.
 */
export class Printer {
  #chain: Promise<void> = Promise.resolve();

  say(text: string | Promise<string>): void {
    const next = Promise.resolve(text);
    this.#chain = this.#chain.then(() => next).then(
      (t) => console.log(t),
      (err) => console.log(`error: ${err instanceof Error ? err.message : err}`),
    );
  }

  /** Resolves once everything asked for so far is printed. */
  flushed(): Promise<void> {
    return this.#chain;
  }
}
