/**
 * The conversation list, served by the server (`conv.list`): the same on every device and after
 * a reinstall, since pins, mutes, hides and deletes are server state. This device keeps the
 * pages it loaded and updates them from what arrives (new messages move a conversation up and
 * bring a hidden one back, your reads clear its unread count, `conv.changed` carries your other
 * devices' settings); each reconnect reads the first page again.
 */
import {
  type ConversationItem,
  type ConversationSettings,
  directPeer,
  type MessageView,
  parseConversationId,
  type Recalled,
  type Receipt,
} from "@im/protocol";
import type { Requester } from "./social.ts";
import type { MessageStore } from "./store.ts";

export type { ConversationItem };

/** List order: pinned first, then the newest activity (ties by id, as the server pages). */
export function listOrder(a: ConversationItem, b: ConversationItem): number {
  return Number(b.pinned) - Number(a.pinned) || b.activeAt - a.activeAt ||
    (a.conversationId < b.conversationId ? 1 : a.conversationId > b.conversationId ? -1 : 0);
}

export class Inbox {
  #items = new Map<string, ConversationItem>();
  #next: string | undefined;
  #loaded = false;

  constructor(
    private readonly request: Requester,
    private readonly store: MessageStore,
    private readonly changed: (conversationId?: string) => void,
  ) {}

  get loaded(): boolean {
    return this.#loaded;
  }
  /** Another page exists on the server. */
  get more(): boolean {
    return this.#next !== undefined;
  }

  /** The visible list (hidden ones left out), in the server's order. */
  items(): ConversationItem[] {
    return [...this.#items.values()].filter((c) => !c.hidden).sort(listOrder);
  }

  get(conversationId: string): ConversationItem | undefined {
    return this.#items.get(conversationId);
  }

  /** Loads the first page (replacing what was loaded) or, with `more`, the next one. */
  async load(more = false, limit = 50): Promise<ConversationItem[]> {
    const cursor = more && this.#next ? { cursor: this.#next } : {};
    const page = await this.request("conv.list", { ...cursor, limit });
    const held = more ? new Map() : new Map(this.#items);
    if (!more) this.#items.clear();
    for (const c of page.conversations) {
      // A message pushed while the page was on its way is newer than the page's row.
      const mine = held.get(c.conversationId);
      this.#items.set(c.conversationId, mine && mine.lastSeq > c.lastSeq ? mine : c);
      if (this.store.applyClear(c.conversationId, c.clearedSeq)) this.changed(c.conversationId);
    }
    this.#next = page.cursor;
    this.#loaded = true;
    this.changed();
    return page.conversations;
  }

  pin(conversationId: string, pinned = true) {
    return this.#update({ conversationId, pinned });
  }
  mute(conversationId: string, muted = true) {
    return this.#update({ conversationId, muted });
  }
  /** Out of the list until its next message. */
  hide(conversationId: string) {
    return this.#update({ conversationId, hidden: true });
  }
  /** Delete for me: your history of it up to now is gone (on every device); the others keep theirs. */
  async deleteForMe(conversationId: string): Promise<ConversationSettings> {
    const s = await this.request("conv.delete", { conversationId });
    this.applySettings(s);
    return s;
  }

  async #update(
    data: { conversationId: string; pinned?: boolean; muted?: boolean; hidden?: boolean },
  ) {
    const s = await this.request("conv.update", data);
    this.applySettings(s);
    return s;
  }

  /** Your settings of a conversation, from your reply or another device's push. */
  applySettings(s: ConversationSettings): void {
    this.store.applyClear(s.conversationId, s.clearedSeq);
    const item = this.#items.get(s.conversationId);
    if (!item) {
      // Not loaded here (a later page): a pin brings it to the top, so read the top again.
      if (s.pinned && this.#loaded) this.load().catch(() => {});
      return this.changed(s.conversationId);
    }
    const cleared = s.clearedSeq > item.clearedSeq;
    Object.assign(item, s);
    if (cleared) {
      if (item.lastMessage && item.lastMessage.seq <= s.clearedSeq) item.lastMessage = null;
      item.unread = 0;
      item.mentioned = false;
    }
    this.changed(s.conversationId);
  }

  /** A message this device just learned of (pushed, synced or its own acked send). */
  onMessage(m: MessageView): void {
    const item = this.#items.get(m.conversationId) ?? this.#stub(m.conversationId);
    if (m.seq <= item.clearedSeq) return;
    const newer = m.seq > item.lastSeq || !item.lastMessage;
    item.lastSeq = Math.max(item.lastSeq, m.seq);
    if (newer) {
      item.lastMessage = m;
      item.activeAt = Math.max(item.activeAt, m.serverTime);
      item.hidden = false;
      if (m.from !== this.store.me && m.kind !== "recall" && m.seq > item.readSeq) item.unread++;
    }
    this.#items.set(m.conversationId, item);
    this.changed(m.conversationId);
  }

  onReceipt(r: Receipt): void {
    const item = this.#items.get(r.conversationId);
    if (!item || r.by !== this.store.me || r.readSeq <= item.readSeq) return;
    item.readSeq = r.readSeq;
    if (r.readSeq >= item.lastSeq) [item.unread, item.mentioned] = [0, false];
    this.changed(r.conversationId);
  }

  /** You read up to `seq` on this device (the server tells your other devices). */
  onRead(conversationId: string, seq: number): void {
    this.onReceipt({ conversationId, by: this.store.me, readSeq: seq, deliveredSeq: seq });
  }

  onRecall(r: Recalled): void {
    const item = this.#items.get(r.conversationId);
    const last = item?.lastMessage;
    if (!last || last.msgId !== r.msgId) return;
    item!.lastMessage = { ...last, recalled: true, body: "" };
    this.changed(r.conversationId);
  }

  #stub(conversationId: string): ConversationItem {
    const peer = directPeer(conversationId, this.store.me);
    return {
      conversationId,
      kind: parseConversationId(conversationId)?.kind ?? "group",
      ...(peer ? { peerId: peer } : {}),
      lastSeq: 0,
      readSeq: 0,
      clearedSeq: 0,
      lastMessage: null,
      unread: 0,
      mentioned: false,
      pinned: false,
      muted: false,
      hidden: false,
      activeAt: 0,
      member: true,
    };
  }
}
