/**
 * `ImClient`: one logged-in device. It keeps a connection (reconnecting as the close codes
 * allow), catches up after each connect, keeps messages in seq order without duplicates, resends
 * unacknowledged messages with their original clientMsgId, and reports everything as typed events.
 */
import type { BackoffOptions } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";
import { Connection, type ConnectionState, type StateChange } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { ConnectionError, describeError, ServerError } from "./errors.ts";
import type { AuthApi, LoginResult } from "./http.ts";
import { Outbox, type OutboxStorage, type Outgoing } from "./outbox.ts";
import type {
  Cursor,
  MessageView,
  OfflineNotice,
  Recalled,
  Receipt,
  SentAck,
  ServerFrame,
} from "./protocol.ts";
import { directConversationId } from "./protocol.ts";
import { type Session, SessionKeeper } from "./session.ts";
import { MessageStore } from "./store.ts";
import { Catchup } from "./sync.ts";
import { type SocketFactory, webSocketFactory } from "./transport.ts";
import { type ConversationSummary, summarize, timeline, type TimelineItem } from "./views.ts";

export interface ClientEvents {
  state: StateChange;
  /** A new message in a conversation (yours from other devices and acked sends included). */
  message: MessageView;
  /** The server stored one of your sends. */
  ack: { clientMsgId: string; message: MessageView };
  /** The peer's (or your other device's) read/delivered cursors moved. */
  receipt: Receipt;
  /** A message was recalled; `message` is the (now empty) original. */
  recall: MessageView;
  /** Your message was stored for a receiver with no device online. */
  offline: OfflineNotice;
  outbox: Outgoing[];
  /** New tokens: persist them if the app keeps sessions across reloads. */
  session: Session;
  /** A background failure (sync, gap fill, an unsolicited error frame). */
  error: Error;
  /** Something a UI shows changed; re-render. */
  change: { conversationId?: string };
}

export interface ClientOptions {
  /** From `AuthApi.login` (or a saved `Session`). */
  session: Session | LoginResult;
  /** Enables token refresh (expired tokens, moving to another gateway). */
  api?: AuthApi;
  sockets?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
  requestTimeoutMs?: number;
  sendTimeoutMs?: number;
  helloTimeoutMs?: number;
  heartbeatMs?: number;
  syncLimit?: number;
  gapWaitMs?: number;
  outboxStorage?: OutboxStorage;
  /**
   * Where this device's conversations stand (saved from `store.cursors()`). Sync starts there;
   * older messages come by `loadOlder`. Without it, sync starts every conversation at seq 0.
   */
  cursors?: Cursor[];
}

type Waiter = { resolve(m: MessageView): void; reject(e: Error): void };
const TRANSIENT_RETRIES = 3;

export class ImClient extends Emitter<ClientEvents> {
  readonly store: MessageStore;
  readonly outbox: Outbox;
  readonly #conn: Connection;
  readonly #keeper: SessionKeeper;
  readonly #catchup: Catchup;
  readonly #clock: Clock;
  readonly #timeout: number;
  readonly #sendTimeout: number;
  #inflight = new Set<string>();
  #tries = new Map<string, number>();
  #waiters = new Map<string, Waiter[]>();

  constructor(opts: ClientOptions) {
    super();
    this.#clock = opts.clock ?? systemClock;
    this.#timeout = opts.requestTimeoutMs ?? 10_000;
    this.#sendTimeout = opts.sendTimeoutMs ?? 15_000;
    this.#keeper = new SessionKeeper(
      opts.session,
      opts.api,
      this.#clock,
      (s) => this.emit("session", s),
    );
    this.store = new MessageStore(this.#keeper.current.userId);
    this.outbox = new Outbox(this.#keeper.current.userId, opts.outboxStorage);
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
    this.#conn.stop();
    for (const o of this.outbox.sending()) {
      this.#fail(o.clientMsgId, new ConnectionError("client closed"), "Not sent: disconnected.");
    }
  }

  /** Ends the session on the server (its sockets close), then disconnects. */
  async logout(api: AuthApi): Promise<void> {
    try {
      await api.logout(this.session.accessToken);
    } finally {
      this.close();
    }
  }

  conversationWith(peerId: string): string {
    return directConversationId(this.userId, peerId);
  }

  /**
   * Sends a text. Resolves with the stored message once the server acknowledges it; while
   * offline it waits in the outbox and goes out (same clientMsgId) after the next connect.
   */
  send(
    to: string,
    body: string,
    opts: { clientMsgId?: string; msgId?: string } = {},
  ): Promise<MessageView> {
    const o = this.outbox.add(to, body, this.#clock.now(), opts);
    const done = this.#wait(o.clientMsgId);
    this.#changedOutbox(o.conversationId);
    this.#transmit(o);
    return done;
  }

  /** Sends a failed message again with its original clientMsgId. */
  retry(clientMsgId: string): Promise<MessageView> {
    const o = this.outbox.get(clientMsgId);
    if (!o) return Promise.reject(new Error("no such unsent message"));
    this.#tries.delete(clientMsgId);
    this.outbox.setState(clientMsgId, "sending");
    const done = this.#wait(clientMsgId);
    this.#changedOutbox(o.conversationId);
    this.#transmit(o);
    return done;
  }

  /** Drops an unsent message. */
  discard(clientMsgId: string): void {
    const o = this.outbox.remove(clientMsgId);
    if (o) this.#changedOutbox(o.conversationId);
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

  /** Loads the page of messages before the oldest one held; `more` is false at the beginning. */
  async loadOlder(
    conversationId: string,
    limit = 30,
  ): Promise<{ messages: MessageView[]; more: boolean }> {
    const oldest = this.store.oldestSeq(conversationId);
    if (oldest === 1) return { messages: [], more: false };
    const page = await this.#conn.request("history", {
      conversationId,
      ...(oldest ? { beforeSeq: oldest } : {}),
      limit,
    }, this.#timeout);
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

  #wait(clientMsgId: string): Promise<MessageView> {
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(clientMsgId) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(clientMsgId, list);
    });
  }

  #transmit(o: Outgoing): void {
    const id = o.clientMsgId;
    if (!this.#conn.isOpen || this.#inflight.has(id) || o.state !== "sending") return;
    this.#inflight.add(id);
    const data = {
      to: o.to,
      clientMsgId: id,
      kind: "text" as const,
      body: o.body,
      ...(o.msgId ? { msgId: o.msgId } : {}),
    };
    this.#conn.request("msg.send", data, this.#sendTimeout).then(
      (ack) => this.#onAck(ack),
      (err) => {
        this.#inflight.delete(id);
        if (!this.outbox.get(id) || err instanceof ConnectionError) return; // resent on connect
        const tries = (this.#tries.get(id) ?? 0) + 1;
        if (err instanceof ServerError && err.transient && tries < TRANSIENT_RETRIES) {
          this.#tries.set(id, tries);
          this.#clock.setTimeout(() => this.#transmit(o), 1000 * tries);
          return;
        }
        this.#fail(id, err, describeError(err));
      },
    );
  }

  #fail(clientMsgId: string, err: Error, text: string): void {
    const o = this.outbox.get(clientMsgId);
    if (!o) return;
    this.outbox.setState(clientMsgId, "failed", text, (err as ServerError).code);
    for (const w of this.#waiters.get(clientMsgId) ?? []) w.reject(err);
    this.#waiters.delete(clientMsgId);
    this.#changedOutbox(o.conversationId);
  }

  #onAck(ack: SentAck): void {
    this.#inflight.delete(ack.clientMsgId);
    this.#tries.delete(ack.clientMsgId);
    const o = this.outbox.remove(ack.clientMsgId);
    if (!o) return; // a replayed ack, or a send from an earlier session: sync brings it
    const message: MessageView = {
      msgId: ack.msgId,
      conversationId: ack.conversationId,
      seq: ack.seq,
      from: this.userId,
      to: o.to,
      clientMsgId: o.clientMsgId,
      kind: "text",
      body: o.body,
      serverTime: ack.serverTime,
    };
    this.#ingest([message]);
    this.emit("ack", { clientMsgId: o.clientMsgId, message });
    for (const w of this.#waiters.get(o.clientMsgId) ?? []) w.resolve(message);
    this.#waiters.delete(o.clientMsgId);
    this.#changedOutbox(o.conversationId);
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
    for (const m of r.released) this.emit("message", m);
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
        return this.#onAck(f.data);
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
    for (const o of this.outbox.sending()) this.#transmit(o);
    await this.#catchup.syncAll();
    this.#catchup.flushDelivered();
    this.#catchup.flushReads().catch((e) => this.emit("error", e));
  }

  #onState(s: StateChange): void {
    if (s.state !== "online" && s.state !== "syncing") {
      this.#inflight.clear();
      this.#catchup.reset();
    }
    if (s.state === "stopped") {
      for (const o of this.outbox.sending()) {
        this.#fail(o.clientMsgId, new ConnectionError(s.message), "Not sent: disconnected.");
      }
    }
    this.emit("state", s);
    this.emit("change", {});
  }

  #changedOutbox(conversationId: string): void {
    this.emit("outbox", this.outbox.all());
    this.emit("change", { conversationId });
  }
}
