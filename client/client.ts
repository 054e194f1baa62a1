/**
 * `ImClient`: one logged-in device. It keeps a connection (reconnecting as the close codes
 * allow), catches up after each connect, keeps messages in seq order without duplicates, resends
 * unacknowledged messages with their original clientMsgId, and reports everything as typed events.
 */
import {
  type CallMedia,
  directConversationId,
  isUserId,
  type MessageView,
  type PresenceView,
  type Recalled,
  type ServerFrame,
} from "@im/protocol";
import { type Call, CallManager } from "./calls.ts";
import { PresenceTracker } from "./presence.ts";
import { TypingTracker } from "./typing.ts";
import { type Clock, systemClock } from "./clock.ts";
import { Connection, type ConnectionState, type StateChange } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { ConnectionError, ServerError } from "./errors.ts";
import type { AuthApi } from "./http.ts";
import { Outbox } from "./outbox.ts";
import { Sender } from "./sender.ts";
import { type Session, SessionKeeper } from "./session.ts";
import { MessageStore } from "./store.ts";
import { Catchup } from "./sync.ts";
import { webSocketFactory } from "./transport.ts";
import type { ClientEvents, ClientOptions } from "./options.ts";
import { type ConversationSummary, summarize, timeline, type TimelineItem } from "./views.ts";

export class ImClient extends Emitter<ClientEvents> {
  readonly store: MessageStore;
  readonly outbox: Outbox;
  readonly #conn: Connection;
  readonly #keeper: SessionKeeper;
  readonly #catchup: Catchup;
  readonly #sender: Sender;
  readonly #clock: Clock;
  readonly #timeout: number;
  readonly #presence: PresenceTracker;
  readonly #typing: TypingTracker;
  readonly #calls: CallManager;

  constructor(opts: ClientOptions) {
    super();
    this.#clock = opts.clock ?? systemClock;
    this.#timeout = opts.requestTimeoutMs ?? 10_000;
    this.#keeper = new SessionKeeper(
      opts.session,
      opts.api,
      this.#clock,
      (s) => this.emit("session", s),
    );
    this.store = new MessageStore(this.#keeper.current.userId);
    this.outbox = new Outbox(opts.outboxStorage);
    for (const c of opts.cursors ?? []) this.store.seed(c);
    this.#conn = new Connection({
      sockets: opts.sockets ?? webSocketFactory,
      session: this.#keeper,
      clock: this.#clock,
      random: opts.random ?? Math.random,
      backoff: opts.backoff,
      helloTimeoutMs: opts.helloTimeoutMs ?? 10_000,
      heartbeatMs: opts.heartbeatMs,
      onFrame: (f) => this.#onFrame(f),
      onReady: () => this.#onReady(),
      onState: (s) => this.#onState(s),
    });
    this.#catchup = new Catchup({
      conn: this.#conn,
      store: this.store,
      clock: this.#clock,
      requestTimeoutMs: this.#timeout,
      syncLimit: opts.syncLimit ?? 200,
      gapWaitMs: opts.gapWaitMs ?? 300,
      ackDelayMs: 50,
      ingest: (m) => this.#ingest(m),
      onError: (e) => this.emit("error", e),
    });
    this.#sender = new Sender({
      conn: this.#conn,
      outbox: this.outbox,
      clock: this.#clock,
      me: () => this.userId,
      sendTimeoutMs: opts.sendTimeoutMs ?? 15_000,
      onAcked: (message, o) => {
        this.#ingest([message]);
        this.emit("ack", { clientMsgId: o.clientMsgId, message });
      },
      onChanged: (conversationId) => {
        this.emit("outbox", this.outbox.all());
        this.emit("change", { conversationId });
      },
    });
    this.#presence = new PresenceTracker({
      conn: this.#conn,
      clock: this.#clock,
      requestTimeoutMs: this.#timeout,
      renewMs: opts.presenceRenewMs ?? 50_000,
      onChange: (views) => (this.emit("presence", views), this.emit("change", {})),
      onError: (e) => this.emit("error", e),
    });
    this.#typing = new TypingTracker({
      clock: this.#clock,
      send: (c, active) => this.typing(c, active),
      onChange: (conversationId) => this.emit("change", { conversationId }),
    });
    this.#calls = new CallManager({
      conn: this.#conn,
      me: () => this.userId,
      timeoutMs: this.#timeout,
      clock: this.#clock,
      onIncoming: (call) => this.emit("call", call),
      onChange: () => this.emit("change", {}),
    });
  }

  get userId(): string {
    return this.#keeper.current.userId;
  }
  get session(): Session {
    return this.#keeper.current;
  }
  get state(): ConnectionState {
    return this.#conn.state;
  }
  get gatewayId(): string | null {
    return this.#conn.hello?.gatewayId ?? null;
  }

  /** Connects; resolves once online (first sync done), rejects if the server refuses for good. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const off = this.on("state", (s) => {
        if (s.state === "online") (off(), resolve());
        if (s.state === "stopped") (off(), reject(new ConnectionError(s.message)));
      });
      this.#conn.start();
    });
  }

  /** Tries again now instead of waiting out the backoff (e.g. the browser went back online). */
  reconnectNow(): void {
    this.#conn.reconnectNow();
  }

  /** Disconnects. Messages still unsent are kept in the outbox, marked failed. */
  close(): void {
    this.#presence.stop();
    this.#conn.stop();
    this.#sender.failAll(new ConnectionError("client closed"), "Not sent: disconnected.");
  }

  /** Ends the session on the server (its sockets close), then disconnects. */
  async logout(api: AuthApi): Promise<void> {
    try {
      await api.logout(this.session.accessToken);
    } finally {
      this.close();
    }
  }

  /** The direct conversation with another user (it starts with the first message). */
  conversationWith(peerId: string): string {
    return directConversationId(this.userId, peerId);
  }

  /**
   * Sends a text to a conversation, by its id or by a user id (the direct chat with that user,
   * started by this message if new). Resolves with the stored message once the server
   * acknowledges it; while offline it waits in the outbox and goes out (same clientMsgId) after
   * the next connect.
   */
  send(
    target: string,
    body: string,
    opts: { clientMsgId?: string; msgId?: string } = {},
  ): Promise<MessageView> {
    const byUser = isUserId(target);
    const conversationId = byUser ? directConversationIdOrSelf(this.userId, target) : target;
    this.#typing.done(conversationId);
    const o = this.outbox.add(conversationId, body, this.#clock.now(), {
      ...opts,
      ...(byUser ? { to: target } : {}),
    });
    return this.#sender.send(o);
  }

  /** Sends a failed message again with its original clientMsgId. */
  retry(clientMsgId: string): Promise<MessageView> {
    return this.#sender.retry(clientMsgId);
  }

  /** Drops an unsent message. */
  discard(clientMsgId: string): void {
    const o = this.outbox.remove(clientMsgId);
    if (o) {
      this.emit("outbox", this.outbox.all());
      this.emit("change", { conversationId: o.conversationId });
    }
  }

  /** Marks everything up to `seq` (default: all received) read, on every device. */
  markRead(conversationId: string, seq?: number): Promise<void> {
    const upTo = seq ?? this.store.get(conversationId)?.syncedSeq ?? 0;
    if (upTo <= 0) return Promise.resolve();
    if (this.store.setRead(conversationId, upTo)) this.emit("change", { conversationId });
    return this.#catchup.markRead(conversationId, upTo);
  }

  async recall(msgId: string): Promise<Recalled> {
    const r = await this.#conn.request("msg.recall", { msgId }, this.#timeout);
    this.#onRecalled(r);
    return r;
  }

  /**
   * Tells the conversation's other members you are (or stopped) typing. Ephemeral: nothing is
   * stored; returns false when not connected. Receivers expire it by themselves.
   */
  typing(conversationId: string, active: boolean): boolean {
    return this.#conn.signal("typing", { conversationId, active });
  }

  /** Call on each keystroke: "typing…" goes out at most every 3 s and stops by itself. */
  typingInput(conversationId: string): void {
    this.#typing.input(conversationId);
  }

  /** The local user stopped typing (sent, cleared the box, left the conversation). */
  typingDone(conversationId: string): void {
    this.#typing.done(conversationId);
  }

  /** Who is typing in a conversation now (expired signals already dropped). */
  typingIn(conversationId: string): string[] {
    return this.#typing.typingIn(conversationId);
  }

  /** Watches users' presence (those on screen); call the returned function when they leave it. */
  watchPresence(userIds: string[]): () => void {
    return this.#presence.watch(userIds);
  }

  /** A watched user's presence, once known. */
  presenceOf(userId: string): PresenceView | undefined {
    return this.#presence.get(userId);
  }

  /** Hides (or shows again) your presence, on every device; resolves with how others see you. */
  async setPresenceHidden(hidden: boolean): Promise<PresenceView> {
    const r = await this.#conn.request("presence.set", { hidden }, this.#timeout);
    return r.users[0];
  }

  /** Rings the other member of a direct chat (by conversation id or user id). */
  call(target: string, media: CallMedia = "audio"): Promise<Call> {
    const conversationId = isUserId(target) ? this.conversationWith(target) : target;
    return this.#calls.start(conversationId, media);
  }

  /** Calls not yet ended (ringing or active) on this device. */
  activeCalls(): Call[] {
    return this.#calls.active();
  }

  /** Loads the page of messages before the oldest one held; `more` is false at the beginning. */
  async loadOlder(
    conversationId: string,
    limit = 30,
  ): Promise<{ messages: MessageView[]; more: boolean }> {
    const oldest = this.store.oldestSeq(conversationId);
    if (this.store.atStart(conversationId)) return { messages: [], more: false };
    const page = await this.#conn.request("history", {
      conversationId,
      ...(oldest ? { beforeSeq: oldest } : {}),
      limit,
    }, this.#timeout);
    if (this.store.applyClear(conversationId, page.clearedSeq)) {
      this.emit("change", { conversationId });
    }
    this.#ingest(page.messages);
    return { messages: page.messages, more: page.more };
  }

  /** Reserves message ids (for apps that name messages before sending). */
  async fetchIds(count: number): Promise<string[]> {
    return (await this.#conn.request("ids.fetch", { count }, this.#timeout)).ids;
  }

  /** Round trip to the server, in ms. */
  async ping(): Promise<number> {
    const t0 = this.#clock.now();
    await this.#conn.request("ping", {}, this.#timeout);
    return this.#clock.now() - t0;
  }

  conversations(): ConversationSummary[] {
    return summarize(this.store, this.outbox);
  }

  /** Messages and unsent messages of one conversation, oldest first, with their marks. */
  timeline(conversationId: string): TimelineItem[] {
    return timeline(this.store, this.outbox, conversationId);
  }

  #onRecalled(r: Recalled): void {
    const m = this.store.applyRecall(r);
    if (m) this.emit("recall", m);
    this.#catchup.scheduleGapFill(r.conversationId);
    this.emit("change", { conversationId: r.conversationId });
  }

  #ingest(messages: MessageView[]): void {
    if (messages.length === 0) return;
    const r = this.store.ingest(messages);
    for (const m of r.released) {
      this.#typing.cleared(m.conversationId, m.from);
      this.emit("message", m);
    }
    for (const m of r.recalled) this.emit("recall", m);
    const convs = new Set(messages.map((m) => m.conversationId));
    for (const c of convs) {
      this.#catchup.scheduleGapFill(c);
      this.emit("change", { conversationId: c });
    }
    if (r.released.length) this.#catchup.scheduleDelivered();
  }

  #onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "msg.new":
        return this.#ingest([f.data]);
      case "msg.sent":
        return this.#sender.acked(f.data);
      case "receipt":
        if (this.store.applyReceipt(f.data)) {
          this.emit("receipt", f.data);
          this.emit("change", { conversationId: f.data.conversationId });
        }
        return;
      case "msg.recalled":
        return this.#onRecalled(f.data);
      case "msg.offline":
        this.store.markOffline(f.data.msgId);
        this.emit("offline", f.data);
        return this.emit("change", { conversationId: f.data.conversationId });
      case "typing":
        this.#typing.received(f.data);
        return this.emit("typing", f.data);
      case "presence":
        this.#presence.apply(f.data.users);
        return;
      case "call.incoming":
      case "call.ringing":
      case "call.accepted":
      case "call.ended":
      case "call.signal":
        return this.#calls.handle(f);
      case "error":
        if (f.id === undefined) this.emit("error", new ServerError(f.data.code, f.data.message));
        return;
      case "hello":
      case "pong":
      case "ok":
      case "sync.page":
      case "history.page":
      case "ids.batch":
        return; // replies: their requests took them
      default: {
        const never: never = f;
        return never;
      }
    }
  }

  async #onReady(): Promise<void> {
    this.#sender.flush();
    this.#presence.resubscribe();
    await this.#catchup.syncAll();
    this.#catchup.flushDelivered();
    this.#catchup.flushReads().catch((e) => this.emit("error", e));
  }

  #onState(s: StateChange): void {
    if (s.state !== "online" && s.state !== "syncing") {
      this.#typing.reset();
      this.#sender.forgetInflight();
      this.#catchup.reset();
    }
    if (s.state === "stopped") {
      this.#sender.failAll(new ConnectionError(s.message), "Not sent: disconnected.");
    }
    this.emit("state", s);
    this.emit("change", {});
  }
}

/** The direct conversation's id; for oneself (which the server refuses) a placeholder key. */
function directConversationIdOrSelf(me: string, to: string): string {
  return me === to ? `d:${me}:${me}` : directConversationId(me, to);
}
