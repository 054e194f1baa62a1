/**
 * `ImClient`: one logged-in device. It keeps a connection (reconnecting as the close codes
 * allow), catches up after each connect, keeps messages in seq order without duplicates, resends
 * unacknowledged messages with their original clientMsgId, and reports everything as typed events.
 */
import {
  type CallMedia,
  type ClientData,
  directConversationId,
  type Edited,
  isUserId,
  type Limits,
  type MediaKind,
  type MediaRef,
  type MessageView,
  type PresenceView,
  type ReactionChanged,
  type Recalled,
  type SearchPage,
  type ServerFrame,
} from "@im/protocol";
import { type Call, CallManager } from "./calls.ts";
import { PresenceTracker } from "./presence.ts";
import { TypingTracker } from "./typing.ts";
import { type Clock, systemClock } from "./clock.ts";
import { Connection, type ConnectionState, type StateChange } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { Groups } from "./groups.ts";
import { Rooms } from "./rooms.ts";
import { ConnectionError, ServerError } from "./errors.ts";
import type { AuthApi } from "./http.ts";
import { Outbox, type OutgoingContent } from "./outbox.ts";
import { MediaApi, type MediaLink, type UploadRequest } from "./media.ts";
import { Rich } from "./rich.ts";
import { Sender } from "./sender.ts";
import { type Session, SessionKeeper } from "./session.ts";
import { MessageStore } from "./store.ts";
import { Catchup } from "./sync.ts";
import { webSocketFactory } from "./transport.ts";
import type { ClientEvents, ClientOptions } from "./options.ts";
import { type ConversationSummary, summarize, timeline, type TimelineItem } from "./views.ts";
import { type Requester, Social } from "./social.ts";
import { Inbox } from "./inbox.ts";

export class ImClient extends Emitter<ClientEvents> {
  readonly store: MessageStore;
  readonly outbox: Outbox;
  /** Friends, requests, blocks and your profile (see social.ts). */
  readonly social: Social;
  /** The conversation list the server keeps for you (see inbox.ts). */
  readonly inbox: Inbox;
  /** Group management, lists, receipts and the live feed of large groups. */
  readonly groups: Groups;
  /** Live rooms: presence and messages that are never stored. */
  readonly rooms: Rooms;
  readonly #conn: Connection;
  readonly #keeper: SessionKeeper;
  readonly #catchup: Catchup;
  readonly #sender: Sender;
  readonly #clock: Clock;
  readonly #timeout: number;
  readonly #rich: Rich;
  readonly #media: MediaApi | null;
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
      inbox: opts.inboxCursor,
      ingest: (m) => this.#ingest(m),
      onError: (e) => this.emit("error", e),
    });
    const request: Requester = (type, data) => this.#conn.request(type, data, this.#timeout);
    this.social = new Social(request, () => this.emit("change", {}));
    this.inbox = new Inbox(
      request,
      this.store,
      (conversationId) => this.emit("change", conversationId ? { conversationId } : {}),
    );
    const onError = (e: Error) => this.emit("error", e);
    this.groups = new Groups({
      conn: this.#conn,
      clock: this.#clock,
      timeoutMs: this.#timeout,
      watchEveryMs: opts.watchEveryMs ?? 30_000,
      onInfo: (info) => {
        this.emit("group", info);
        this.emit("change", { conversationId: info.conversationId });
      },
      onReceipts: (conversationId) => this.emit("change", { conversationId }),
      onError,
    });
    this.rooms = new Rooms({
      conn: this.#conn,
      clock: this.#clock,
      timeoutMs: this.#timeout,
      onError,
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
    this.#media = opts.media ?? (opts.api ? new MediaApi(opts.api.baseUrl) : null);
    this.#rich = new Rich({
      conn: this.#conn,
      store: this.store,
      timeoutMs: this.#timeout,
      media: () => {
        if (!this.#media) throw new Error("no media API: pass `api` or `media` to ImClient");
        return this.#media;
      },
      token: () => this.session.accessToken,
      now: () => this.#clock.now(),
      onEdited: (m, e) => {
        if (m) this.emit("edit", m);
        this.#catchup.scheduleGapFill(e.conversationId);
        this.emit("change", { conversationId: e.conversationId });
      },
      onReaction: (m, r) => {
        this.emit("reaction", { ...r, message: m });
        this.emit("change", { conversationId: r.conversationId });
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
  /** The server's content limits from the last `hello` (null before the first connection). */
  get limits(): Limits | null {
    return this.#conn.hello?.limits ?? null;
  }
  /** Where sync stands in the inbox (save it with `store.cursors()`; pass back as `inboxCursor`). */
  get inboxCursor(): string | undefined {
    return this.#catchup.inbox;
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
    opts: {
      clientMsgId?: string;
      msgId?: string;
      replyTo?: string;
      content?: OutgoingContent;
      mentions?: string[];
      mentionAll?: boolean;
    } = {},
  ): Promise<MessageView> {
    const byUser = isUserId(target);
    const conversationId = this.#conversationOf(target);
    this.#typing.done(conversationId);
    const o = this.outbox.add(conversationId, body, this.#clock.now(), {
      ...opts,
      ...(byUser ? { to: target } : {}),
    });
    return this.#sender.send(o);
  }

  /** Sends a location, a custom message, or media already uploaded (see `sendMedia`). */
  sendContent(
    target: string,
    content: OutgoingContent,
    opts: { body?: string; clientMsgId?: string; replyTo?: string } = {},
  ): Promise<MessageView> {
    return this.send(target, opts.body ?? "", { ...opts, content });
  }

  /** Copies a message you can see into another conversation, marked as forwarded. */
  forward(msgId: string, target: string): Promise<MessageView> {
    return this.sendContent(target, { kind: "forward", source: msgId });
  }

  /** Uploads a file (with progress) for a conversation; send it with `sendContent`. */
  upload(
    target: string,
    req: Omit<UploadRequest, "conversationId">,
  ): Promise<MediaRef> {
    if (!this.#media) throw new Error("no media API: pass `api` or `media` to ImClient");
    return this.#media.upload(this.session.accessToken, {
      ...req,
      conversationId: this.#conversationOf(target),
      onProgress: (p) => {
        req.onProgress?.(p);
        this.emit("upload", { ...p, name: req.name });
      },
    });
  }

  /** Uploads, then sends: an image, voice note, video or file, with an optional caption. */
  async sendMedia(
    target: string,
    req: Omit<UploadRequest, "conversationId"> & { caption?: string; replyTo?: string },
  ): Promise<MessageView> {
    const media = await this.upload(target, req);
    return this.sendContent(target, { kind: req.kind as MediaKind, media }, {
      body: req.kind === "voice" ? "" : req.caption,
      replyTo: req.replyTo,
    });
  }

  /** Changes the text (or caption) of your message, within the server's edit window. */
  edit(msgId: string, body: string): Promise<Edited> {
    return this.#rich.edit(msgId, body);
  }

  /** Adds (or with `add: false` removes) an emoji on a message. */
  react(msgId: string, emoji: string, add = true): Promise<ReactionChanged> {
    return this.#rich.react(msgId, emoji, add);
  }

  /** Signed URLs of a media object (and its thumbnail) for elements that cannot send a token. */
  mediaLink(mediaId: string): Promise<MediaLink> {
    return this.#rich.link(mediaId);
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
    this.inbox.onRead(conversationId, upTo);
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

  /**
   * Searches this user's own messages by words (any language; operators are plain text) and/or
   * filters (conversation, sender, kinds, time range), newest first. For the next page pass the
   * page's `cursor` back with the same query and filters.
   */
  search(request: ClientData<"search">): Promise<SearchPage> {
    return this.#conn.request("search", request, this.#timeout);
  }

  /**
   * Pages history in until the message at `seq` is held (to show a search hit in place);
   * resolves false if it is not reached within `maxPages` pages.
   */
  async loadUntil(conversationId: string, seq: number, maxPages = 20): Promise<boolean> {
    for (let i = 0; i < maxPages; i++) {
      const oldest = this.store.oldestSeq(conversationId);
      if (oldest !== null && oldest <= seq) return true;
      const page = await this.loadOlder(conversationId, 100);
      if (!page.more || page.messages.length === 0) break;
    }
    const oldest = this.store.oldestSeq(conversationId);
    return oldest !== null && oldest <= seq;
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

  /** A conversation id, or a user id's direct conversation. */
  #conversationOf(target: string): string {
    return isUserId(target) ? directConversationIdOrSelf(this.userId, target) : target;
  }

  #onRecalled(r: Recalled): void {
    const m = this.store.applyRecall(r);
    if (m) this.emit("recall", m);
    this.inbox.onRecall(r);
    this.#catchup.scheduleGapFill(r.conversationId);
    this.emit("change", { conversationId: r.conversationId });
  }

  #ingest(messages: MessageView[]): void {
    if (messages.length === 0) return;
    const r = this.store.ingest(messages);
    for (const m of r.released) {
      this.inbox.onMessage(m);
      this.#typing.cleared(m.conversationId, m.from);
      this.emit("message", m);
    }
    for (const m of r.recalled) this.emit("recall", m);
    for (const m of r.released) if (m.kind === "notice") this.groups.onNotice(m);
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
        this.inbox.onReceipt(f.data);
        if (this.store.get(f.data.conversationId)?.kind === "group" && f.data.by !== this.userId) {
          // A member read up to some of this user's messages: their "read by N" changed.
          const c = f.data.conversationId;
          this.groups.refreshReceipts(c, () => this.store.ownSeqs(c, 100));
        }
        if (this.store.applyReceipt(f.data)) {
          this.emit("receipt", f.data);
          this.emit("change", { conversationId: f.data.conversationId });
        }
        return;
      case "msg.recalled":
        return this.#onRecalled(f.data);
      case "msg.edited":
        return this.#rich.edited(f.data);
      case "msg.reaction":
        return this.#rich.reacted(f.data);
      case "msg.offline":
        this.store.markOffline(f.data.msgId);
        this.emit("offline", f.data);
        return this.emit("change", { conversationId: f.data.conversationId });
      case "typing":
        this.#typing.received(f.data);
        return this.emit("typing", f.data);
      case "friend.changed":
        this.social.applyFriend(f.data);
        return this.emit("friend", f.data);
      case "block.changed":
        this.social.applyBlock(f.data);
        return this.emit("block", f.data);
      case "profile.me":
        this.social.applyProfile(f.data);
        return this.emit("profile", f.data);
      case "conv.changed":
        return this.inbox.applySettings(f.data);
      case "group.request":
        return this.emit("groupRequest", f.data);
      case "group.declined":
        return this.emit("groupDeclined", f.data);
      case "room.msg":
        return this.emit("room", f.data);
      case "room.info":
        this.rooms.onInfo(f.data);
        return this.emit("roomInfo", f.data);
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
      case "search.page":
      case "friend.page":
      case "friend.requests.page":
      case "block.page":
      case "profile.list":
      case "conv.page":
      case "group.info":
      case "group.ok":
      case "group.list":
      case "group.members":
      case "group.requests":
      case "group.receipts":
      case "group.readers":
      case "room.joined":
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
    // Server state another device may have changed meanwhile: read again what was loaded.
    const lists = [this.social.refresh(), ...(this.inbox.loaded ? [this.inbox.load()] : [])];
    Promise.all(lists).catch((e) => this.emit("error", e));
    this.groups.onReady().catch((e) => this.emit("error", e));
    this.rooms.onReady();
  }

  #onState(s: StateChange): void {
    if (s.state !== "online" && s.state !== "syncing") {
      this.#typing.reset();
      this.#sender.forgetInflight();
      this.#catchup.reset();
      this.groups.reset();
      this.rooms.reset();
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
