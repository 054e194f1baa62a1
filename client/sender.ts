/**
 * Sending: every message goes through the outbox with its clientMsgId, out when connected, again
 * after each reconnect (the server stores it once), retried a few times on transient errors, and
 * settled by the server's ack or a failure that stays visible on the message.
 */
import type { Clock } from "./clock.ts";
import type { Connection } from "./connection.ts";
import { ConnectionError, describeError, ServerError } from "./errors.ts";
import type { Outbox, Outgoing } from "./outbox.ts";
import { type ClientData, directPeer, type MessageView, type SentAck } from "@im/protocol";

type Waiter = { resolve(m: MessageView): void; reject(e: Error): void };
const TRANSIENT_RETRIES = 3;

export interface SenderOptions {
  conn: Connection;
  outbox: Outbox;
  clock: Clock;
  me: () => string;
  sendTimeoutMs: number;
  /** The acked message, as the store should hold it. */
  onAcked(message: MessageView, o: Outgoing): void;
  onChanged(conversationId: string): void;
}

export class Sender {
  #inflight = new Set<string>();
  #tries = new Map<string, number>();
  #waiters = new Map<string, Waiter[]>();

  constructor(private readonly o: SenderOptions) {}

  /** Resolves with the stored message once acked; waits in the outbox while offline. */
  send(o: Outgoing): Promise<MessageView> {
    const done = this.#wait(o.clientMsgId);
    this.o.onChanged(o.conversationId);
    this.transmit(o);
    return done;
  }

  retry(clientMsgId: string): Promise<MessageView> {
    const o = this.o.outbox.get(clientMsgId);
    if (!o) return Promise.reject(new Error("no such unsent message"));
    this.#tries.delete(clientMsgId);
    this.o.outbox.setState(clientMsgId, "sending");
    return this.send(o);
  }

  /** Sends whatever is waiting (after a connect). */
  flush(): void {
    for (const o of this.o.outbox.sending()) this.transmit(o);
  }

  /** The connection dropped: whatever was in flight goes again on the next connect. */
  forgetInflight(): void {
    this.#inflight.clear();
  }

  /** Marks everything still sending as failed (the client stopped for good). */
  failAll(err: Error, text: string): void {
    for (const o of this.o.outbox.sending()) this.fail(o.clientMsgId, err, text);
  }

  transmit(o: Outgoing): void {
    const id = o.clientMsgId;
    if (!this.o.conn.isOpen || this.#inflight.has(id) || o.state !== "sending") return;
    this.#inflight.add(id);
    const data = {
      ...(o.to ? { to: o.to } : { conversationId: o.conversationId }),
      clientMsgId: id,
      ...contentOf(o),
      ...(o.msgId ? { msgId: o.msgId } : {}),
    } as ClientData<"msg.send">;
    this.o.conn.request("msg.send", data, this.o.sendTimeoutMs).then(
      (ack) => this.acked(ack),
      (err) => {
        this.#inflight.delete(id);
        if (!this.o.outbox.get(id) || err instanceof ConnectionError) return; // resent on connect
        const tries = (this.#tries.get(id) ?? 0) + 1;
        if (err instanceof ServerError && err.transient && tries < TRANSIENT_RETRIES) {
          this.#tries.set(id, tries);
          this.o.clock.setTimeout(() => this.transmit(o), 1000 * tries);
          return;
        }
        this.fail(id, err, describeError(err));
      },
    );
  }

  fail(clientMsgId: string, err: Error, text: string): void {
    const o = this.o.outbox.get(clientMsgId);
    if (!o) return;
    this.o.outbox.setState(clientMsgId, "failed", text, (err as ServerError).code);
    for (const w of this.#waiters.get(clientMsgId) ?? []) w.reject(err);
    this.#waiters.delete(clientMsgId);
    this.o.onChanged(o.conversationId);
  }

  /** An ack arrived (the reply, or a replayed one after a reconnect). */
  acked(ack: SentAck): void {
    this.#inflight.delete(ack.clientMsgId);
    this.#tries.delete(ack.clientMsgId);
    const o = this.o.outbox.remove(ack.clientMsgId);
    if (!o) return; // a replayed ack, or a send from an earlier session: sync brings it
    const peer = directPeer(ack.conversationId, this.o.me());
    // Anything but a plain text comes back as the server stored it.
    const message: MessageView = ack.message ?? {
      msgId: ack.msgId,
      conversationId: ack.conversationId,
      seq: ack.seq,
      from: this.o.me(),
      ...(peer ? { to: peer } : {}),
      clientMsgId: o.clientMsgId,
      kind: "text",
      body: o.body,
      serverTime: ack.serverTime,
    };
    this.o.onAcked(message, o);
    for (const w of this.#waiters.get(o.clientMsgId) ?? []) w.resolve(message);
    this.#waiters.delete(o.clientMsgId);
    this.o.onChanged(o.conversationId);
  }

  #wait(clientMsgId: string): Promise<MessageView> {
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(clientMsgId) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(clientMsgId, list);
    });
  }
}

/** The kind-specific part of a msg.send for an outgoing message. */
function contentOf(o: Outgoing): Record<string, unknown> {
  const reply = o.replyTo ? { replyTo: o.replyTo } : {};
  const caption = o.body ? { body: o.body } : {};
  const c = o.content;
  if (!c) return { kind: "text", body: o.body, ...reply };
  switch (c.kind) {
    case "forward":
      return { kind: "forward", source: c.source };
    case "location":
      return { kind: "location", ...c.location, ...reply };
    case "custom":
      return {
        kind: "custom",
        customType: c.custom.type,
        payload: c.custom.payload,
        ...caption,
        ...reply,
      };
    case "voice":
      return { kind: "voice", mediaId: c.media.mediaId, ...reply };
    default:
      return { kind: c.kind, mediaId: c.media.mediaId, ...caption, ...reply };
  }
}
