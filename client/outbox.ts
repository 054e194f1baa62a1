/**
 * Messages the user sent that the server has not acknowledged yet. Each keeps its clientMsgId
 * for its whole life, so a resend after a reconnect (or a retry by the user) is recognised by the
 * server as the same message. An optional storage keeps them across page reloads.
 */
import type { CustomContent, Location, MediaRef } from "@im/protocol";

export type OutgoingState = "sending" | "failed";

/** What a message carries besides its text (none: a plain text). */
export type OutgoingContent =
  | { kind: "image" | "voice" | "video" | "file"; media: MediaRef }
  | { kind: "location"; location: Location }
  | { kind: "custom"; custom: CustomContent }
  | { kind: "forward"; source: string };

export interface Outgoing {
  clientMsgId: string;
  conversationId: string;
  /** Addressed to a user (the direct chat with them) rather than by conversation id. */
  to?: string;
  body: string;
  /** An id reserved with `fetchIds`, if the app named the message itself. */
  msgId?: string;
  content?: OutgoingContent;
  /** The message this one answers. */
  replyTo?: string;
  createdAt: number;
  state: OutgoingState;
  /** Why it failed, in plain words, and the server's code if it answered. */
  error?: string;
  errorCode?: number;
}

export interface OutboxStorage {
  load(): Outgoing[];
  save(items: Outgoing[]): void;
}

export function newClientMsgId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

export class Outbox {
  #items = new Map<string, Outgoing>();

  constructor(private readonly storage?: OutboxStorage) {
    // Anything restored was interrupted mid-flight: the user decides whether to resend it.
    // Entries saved by an SDK that addressed users (`to`) are dropped: they name no conversation.
    for (const o of (storage?.load() ?? []).filter((o) => typeof o.conversationId === "string")) {
      this.#items.set(o.clientMsgId, {
        ...o,
        state: "failed",
        error: o.error ?? "Not sent before the page closed.",
      });
    }
  }

  add(
    conversationId: string,
    body: string,
    createdAt: number,
    opts: {
      clientMsgId?: string;
      msgId?: string;
      to?: string;
      content?: OutgoingContent;
      replyTo?: string;
    } = {},
  ): Outgoing {
    const clientMsgId = opts.clientMsgId ?? newClientMsgId();
    const existing = this.#items.get(clientMsgId);
    if (existing) return existing;
    const o: Outgoing = {
      clientMsgId,
      conversationId,
      ...(opts.to ? { to: opts.to } : {}),
      body,
      ...(opts.msgId ? { msgId: opts.msgId } : {}),
      ...(opts.content ? { content: opts.content } : {}),
      ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
      createdAt,
      state: "sending",
    };
    this.#items.set(clientMsgId, o);
    this.#save();
    return o;
  }

  get(clientMsgId: string): Outgoing | undefined {
    return this.#items.get(clientMsgId);
  }

  all(): Outgoing[] {
    return [...this.#items.values()];
  }

  inConversation(conversationId: string): Outgoing[] {
    return this.all().filter((o) => o.conversationId === conversationId);
  }

  sending(): Outgoing[] {
    return this.all().filter((o) => o.state === "sending");
  }

  setState(clientMsgId: string, state: OutgoingState, error?: string, errorCode?: number): void {
    const o = this.#items.get(clientMsgId);
    if (!o) return;
    o.state = state;
    o.error = error;
    o.errorCode = errorCode;
    this.#save();
  }

  remove(clientMsgId: string): Outgoing | undefined {
    const o = this.#items.get(clientMsgId);
    if (o) {
      this.#items.delete(clientMsgId);
      this.#save();
    }
    return o;
  }

  #save(): void {
    this.storage?.save(this.all());
  }
}
