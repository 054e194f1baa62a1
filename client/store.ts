/**
 * What this device knows of each conversation: messages in seq order without duplicates, the
 * contiguous cursor (`syncedSeq`: every seq up to it has arrived), messages that arrived ahead
 * of a gap (held back so events go out in seq order), and the read/delivery cursors.
 */
import {
  type ConversationKind,
  type Cursor,
  directPeer,
  type Edited,
  type MessageView,
  parseConversationId,
  type ReactionChanged,
  type Recalled,
  type Receipt,
  type SyncConversation,
} from "@im/protocol";

export interface ConversationState {
  conversationId: string;
  kind: ConversationKind;
  /** Direct chats: the other member; null in groups. */
  peerId: string | null;
  syncedSeq: number;
  /** Highest seq the server is known to have. */
  lastSeq: number;
  /** This user's read cursor. */
  readSeq: number;
  /** Seqs up to this one are not visible here (cleared, or before joining). */
  clearedSeq: number;
  peerDeliveredSeq: number;
  peerReadSeq: number;
  /** Known messages, ascending by seq (history may extend it downwards). */
  messages: MessageView[];
}

export interface IngestResult {
  /** New messages at or below the contiguous cursor, in seq order: emit these. */
  released: MessageView[];
  /** Older messages filled in below the cursor (history pages). */
  older: MessageView[];
  /** Messages whose recalled state changed. */
  recalled: MessageView[];
}

interface Conv extends ConversationState {
  held: Map<number, MessageView>;
  seqs: Set<number>;
}

export class MessageStore {
  #convs = new Map<string, Conv>();
  #byId = new Map<string, MessageView>();
  #recalledIds = new Set<string>();
  /** Edits of messages not (yet) held here, applied when they arrive. */
  #edits = new Map<string, { body: string; editedAt: number }>();
  #offline = new Set<string>();

  constructor(readonly me: string) {}

  get(conversationId: string): ConversationState | undefined {
    return this.#convs.get(conversationId);
  }

  all(): ConversationState[] {
    return [...this.#convs.values()];
  }

  message(msgId: string): MessageView | undefined {
    return this.#byId.get(msgId);
  }

  #conv(conversationId: string): Conv {
    let c = this.#convs.get(conversationId);
    if (!c) {
      c = {
        conversationId,
        kind: parseConversationId(conversationId)?.kind ?? "group",
        peerId: directPeer(conversationId, this.me),
        syncedSeq: 0,
        lastSeq: 0,
        readSeq: 0,
        clearedSeq: 0,
        peerDeliveredSeq: 0,
        peerReadSeq: 0,
        messages: [],
        held: new Map(),
        seqs: new Set(),
      };
      this.#convs.set(conversationId, c);
    }
    return c;
  }

  /** Starts a conversation at a cursor restored from elsewhere (older messages come by history). */
  seed(cursor: Cursor): void {
    const c = this.#conv(cursor.conversationId);
    c.syncedSeq = Math.max(c.syncedSeq, cursor.seq);
    c.lastSeq = Math.max(c.lastSeq, cursor.seq);
  }

  /** Adds messages from any source (push, sync, history, own acks); duplicates are dropped. */
  ingest(messages: MessageView[]): IngestResult {
    const out: IngestResult = { released: [], older: [], recalled: [] };
    const touched = new Set<Conv>();
    for (const m of messages) {
      const c = this.#conv(m.conversationId);
      c.lastSeq = Math.max(c.lastSeq, m.seq);
      if (c.seqs.has(m.seq) || c.held.has(m.seq)) {
        const known = c.held.get(m.seq) ?? this.#byId.get(m.msgId);
        if (m.recalled && known && !known.recalled) this.#markRecalled(known, out);
        continue;
      }
      const copy = { ...m };
      if (this.#recalledIds.has(copy.msgId)) eraseContent(Object.assign(copy, { recalled: true }));
      const edit = this.#edits.get(copy.msgId);
      if (edit) (this.#edits.delete(copy.msgId), applyEditTo(copy, edit));
      if (m.seq <= c.syncedSeq) {
        this.#insert(c, copy, out);
        out.older.push(copy);
      } else {
        c.held.set(m.seq, copy);
        touched.add(c);
      }
    }
    for (const c of touched) {
      for (let m = c.held.get(c.syncedSeq + 1); m; m = c.held.get(c.syncedSeq + 1)) {
        c.held.delete(m.seq);
        c.syncedSeq = m.seq;
        this.#insert(c, m, out);
        out.released.push(m);
      }
    }
    return out;
  }

  #insert(c: Conv, m: MessageView, out: IngestResult): void {
    c.seqs.add(m.seq);
    this.#byId.set(m.msgId, m);
    const arr = c.messages;
    let i = arr.length;
    while (i > 0 && arr[i - 1].seq > m.seq) i--;
    arr.splice(i, 0, m);
    if (m.kind === "recall" && m.ref) {
      const target = this.#byId.get(m.ref);
      if (target) this.#markRecalled(target, out);
      else this.#recalledIds.add(m.ref);
    }
    if (m.kind === "edit" && m.ref && m.edit) this.#edit(m.ref, m.edit);
  }

  /** Applies an edit (the newest wins); held for later if the message is not here yet. */
  #edit(msgId: string, e: { body: string; editedAt: number }): MessageView | null {
    const target = this.#byId.get(msgId) ??
      [...this.#convs.values()].flatMap((c) => [...c.held.values()]).find((m) => m.msgId === msgId);
    if (!target) {
      const known = this.#edits.get(msgId);
      if (!known || known.editedAt <= e.editedAt) this.#edits.set(msgId, e);
      return null;
    }
    return applyEditTo(target, e) ? target : null;
  }

  /** An edit pushed by the server (the notice itself arrives by seq, or gap fill). */
  applyEdit(e: Edited): MessageView | null {
    const c = this.#conv(e.conversationId);
    c.lastSeq = Math.max(c.lastSeq, e.editSeq);
    return this.#edit(e.msgId, { body: e.body, editedAt: e.editedAt });
  }

  /** A reaction change; `me` decides the "mine" mark when it was this user's. */
  applyReaction(r: ReactionChanged): MessageView | null {
    const target = this.#byId.get(r.msgId);
    if (!target) return null;
    const list = [...(target.reactions ?? [])];
    const i = list.findIndex((x) => x.emoji === r.emoji);
    const mine = r.by === this.me ? r.add : (list[i]?.me ?? false);
    if (i >= 0) list[i] = { ...list[i], count: r.count, me: mine };
    else list.push({ emoji: r.emoji, count: r.count, me: mine });
    const kept = list.filter((x) => x.count > 0);
    if (kept.length) target.reactions = kept;
    else delete target.reactions;
    return target;
  }

  #markRecalled(m: MessageView, out: IngestResult): void {
    this.#recalledIds.add(m.msgId);
    if (m.recalled) return;
    m.recalled = true;
    eraseContent(m);
    out.recalled.push(m);
  }

  /** A recall pushed by the server; the recall notice itself arrives by seq (or gap fill). */
  applyRecall(r: Recalled): MessageView | null {
    const c = this.#conv(r.conversationId);
    c.lastSeq = Math.max(c.lastSeq, r.recallSeq);
    const out: IngestResult = { released: [], older: [], recalled: [] };
    const target = this.#byId.get(r.msgId) ??
      [...c.held.values()].find((m) => m.msgId === r.msgId);
    if (target) this.#markRecalled(target, out);
    else this.#recalledIds.add(r.msgId);
    return out.recalled[0] ?? null;
  }

  /** Cursors and head from a sync page; cursors never go backwards. */
  applyMeta(s: SyncConversation): void {
    const c = this.#conv(s.conversationId);
    this.applyClear(s.conversationId, s.clearedSeq);
    c.lastSeq = Math.max(c.lastSeq, s.lastSeq);
    c.readSeq = Math.max(c.readSeq, s.readSeq);
    c.peerDeliveredSeq = Math.max(c.peerDeliveredSeq, s.peerDeliveredSeq);
    c.peerReadSeq = Math.max(c.peerReadSeq, s.peerReadSeq);
  }

  /**
   * Hides everything up to `seq` (deleted for this user, or before they joined): those messages
   * go and are never waited for. Returns true when something changed.
   */
  applyClear(conversationId: string, seq: number): boolean {
    const c = this.#conv(conversationId);
    if (seq <= c.clearedSeq) return false;
    c.clearedSeq = seq;
    for (const m of c.messages) if (m.seq <= seq) c.seqs.delete(m.seq);
    c.messages = c.messages.filter((m) => m.seq > seq);
    for (const k of c.held.keys()) if (k <= seq) c.held.delete(k);
    c.syncedSeq = Math.max(c.syncedSeq, seq);
    c.lastSeq = Math.max(c.lastSeq, seq);
    return true;
  }

  /** True when no older message exists for this user (history starts after `clearedSeq`). */
  atStart(conversationId: string): boolean {
    const c = this.#convs.get(conversationId);
    const oldest = c?.messages[0]?.seq;
    return oldest !== undefined && oldest <= c!.clearedSeq + 1;
  }

  /** Returns true when a cursor moved. Another member's cursors are the peer's in a direct chat. */
  applyReceipt(r: Receipt): boolean {
    const c = this.#conv(r.conversationId);
    const before = [c.readSeq, c.peerDeliveredSeq, c.peerReadSeq].join();
    if (r.by === this.me) c.readSeq = Math.max(c.readSeq, r.readSeq);
    else if (c.kind === "direct") {
      c.peerDeliveredSeq = Math.max(c.peerDeliveredSeq, r.deliveredSeq, r.readSeq);
      c.peerReadSeq = Math.max(c.peerReadSeq, r.readSeq);
    }
    return before !== [c.readSeq, c.peerDeliveredSeq, c.peerReadSeq].join();
  }

  setRead(conversationId: string, seq: number): boolean {
    const c = this.#conv(conversationId);
    if (seq <= c.readSeq) return false;
    c.readSeq = seq;
    return true;
  }

  markOffline(msgId: string): void {
    this.#offline.add(msgId);
  }

  isStoredOffline(msgId: string): boolean {
    return this.#offline.has(msgId);
  }

  /** The first run of missing seqs, if any: below a held message, or below the known head. */
  gap(conversationId: string): { from: number; to: number } | null {
    const c = this.#convs.get(conversationId);
    if (!c) return null;
    const from = c.syncedSeq + 1;
    if (c.held.size > 0) return { from, to: Math.min(...c.held.keys()) - 1 };
    return c.lastSeq >= from ? { from, to: c.lastSeq } : null;
  }

  /**
   * Treats every seq up to `seq` as arrived (the server confirmed it has none of the missing
   * ones) and returns the held messages this releases, for the caller to ingest again.
   */
  skipTo(conversationId: string, seq: number): MessageView[] {
    const c = this.#convs.get(conversationId);
    if (!c || seq <= c.syncedSeq) return [];
    c.syncedSeq = seq;
    const held = [...c.held.values()];
    c.held.clear();
    return held;
  }

  cursors(): Cursor[] {
    return this.all().map((c) => ({ conversationId: c.conversationId, seq: c.syncedSeq }));
  }

  /** Messages from others above the read cursor, recalls and notices excluded. */
  unread(conversationId: string): number {
    const c = this.#convs.get(conversationId);
    if (!c) return 0;
    let n = 0;
    for (let i = c.messages.length - 1; i >= 0 && c.messages[i].seq > c.readSeq; i--) {
      const m = c.messages[i];
      if (m.from !== this.me && !isNotice(m) && !m.recalled) n++;
    }
    return n;
  }

  /** The lowest seq held locally (history loads below it), or null when none is. */
  oldestSeq(conversationId: string): number | null {
    return this.#convs.get(conversationId)?.messages[0]?.seq ?? null;
  }
}

/** Notices (recall, edit) are about other messages; they are not shown or counted. */
export function isNotice(m: MessageView): boolean {
  return m.kind === "recall" || m.kind === "edit";
}

function eraseContent(m: MessageView): void {
  m.body = "";
  for (const k of ["media", "location", "custom", "edited", "editedAt", "reactions"] as const) {
    delete m[k];
  }
}

function applyEditTo(m: MessageView, e: { body: string; editedAt: number }): boolean {
  if (m.recalled || (m.editedAt ?? 0) > e.editedAt) return false;
  m.body = e.body;
  m.edited = true;
  m.editedAt = e.editedAt;
  return true;
}
