/**
 * Notices: every change to a group is a message of kind "notice" with its own seq, so a device
 * that was offline learns it by sync like any message. A management action takes the next seqs
 * under the conversation's head lock (the seq is known before the change is written: a removed
 * member's `left_seq` is the notice that removes them, so they still see it), and the notices
 * are stored, diffused and pushed once the action's changes are in place.
 */
import type { GroupNotice } from "@im/protocol";
import type { Envelope } from "@im/shared/wire";
import type { TxContext } from "../../context.ts";
import { lockHeads, upsertHeads } from "../conversations/tables.ts";
import { insertMessages, type StoredMessage } from "../messages/tables.ts";
import { toView } from "../messages/views.ts";
import { diffuse, fanOut } from "./fanout.ts";

/** The idempotency key of an entry's i-th notice: a redelivered entry finds what it stored. */
export const noticeKey = (entryId: string, i: number) => `n-${entryId}-${i}`;

/** The entry that causes the notices: their sender, partition and idempotency key. */
export interface Source {
  id: string;
  partition: number;
  env: Envelope;
}

export class Notices {
  readonly rows: StoredMessage[] = [];
  #alsoTo = new Map<StoredMessage, string[]>();
  #head: number | null = null;

  constructor(
    private readonly ctx: TxContext,
    private readonly e: Source,
    readonly conversationId: string,
  ) {}

  get lastSeq(): number | null {
    return this.rows.at(-1)?.seq ?? null;
  }

  /** Reserves the next seq for a notice; `alsoTo`: users outside the members who must see it. */
  async add(notice: GroupNotice, alsoTo: string[] = []): Promise<number> {
    if (this.#head === null) {
      const heads = await lockHeads(this.ctx.tx, [this.conversationId]);
      this.#head = heads.get(this.conversationId) ?? 0;
    }
    const row: StoredMessage = {
      msgId: this.ctx.nextId(),
      conversationId: this.conversationId,
      seq: ++this.#head,
      senderId: this.e.env.userId,
      clientMsgId: noticeKey(this.e.id, this.rows.length),
      kind: "notice",
      body: JSON.stringify(notice),
      createdAt: this.ctx.now,
      sourceEntry: this.e.id,
    };
    this.rows.push(row);
    this.#alsoTo.set(row, alsoTo);
    return row.seq;
  }

  /** Stores the notices and their inbox entries (after the membership change is written). */
  async store(): Promise<void> {
    if (this.rows.length === 0) return;
    this.ctx.members.forget(this.conversationId);
    await insertMessages(this.ctx.tx, this.rows);
    const last = this.rows.at(-1)!;
    await upsertHeads(this.ctx.tx, [{
      id: this.conversationId,
      kind: "group",
      lastSeq: last.seq,
      lastMsgId: last.msgId,
      at: this.ctx.now,
    }]);
    await diffuse(
      this.ctx,
      this.rows.map((r) => ({
        partition: this.e.partition,
        conversationId: r.conversationId,
        seq: r.seq,
        alsoTo: this.#alsoTo.get(r),
      })),
    );
  }

  /** Pushes the stored notices to the group's audience (the actor's devices included). */
  async emit(rows: StoredMessage[] = this.rows): Promise<void> {
    for (const r of rows) {
      await fanOut(this.ctx, this.conversationId, { type: "msg.new", data: toView(r) }, {
        retry: {
          partition: this.e.partition,
          conversationId: r.conversationId,
          seq: r.seq,
          msgId: r.msgId,
        },
      }, this.#alsoTo.get(r) ?? []);
    }
  }
}
