/**
 * Groups in the SDK (`client.groups`): management requests, the groups this user is in (kept
 * fresh from notices), "read by N" for the user's own messages, and the live feed of large
 * groups: a group with read diffusion pushes only to connections that watch it, so this watches
 * every such group after each connect and renews the watch while connected.
 */
import type {
  ClientData,
  GroupInfo,
  GroupMember,
  GroupOk,
  GroupRole,
  JoinPolicy,
  JoinRequest,
  MessageView,
  RequestType,
} from "@im/protocol";
import type { Clock, TimerId } from "./clock.ts";
import type { Connection } from "./connection.ts";
import { newClientMsgId } from "./outbox.ts";

export interface GroupsOptions {
  conn: Connection;
  clock: Clock;
  timeoutMs: number;
  /** How often watches are renewed (the server keeps one GROUP_WATCH_TTL_SEC, default 90 s). */
  watchEveryMs: number;
  onInfo(info: GroupInfo): void;
  onReceipts(conversationId: string): void;
  onError(err: Error): void;
}

export interface NewGroup {
  name: string;
  members: string[];
  avatar?: string;
  announcement?: string;
  joinPolicy?: JoinPolicy;
  /** Idempotency key: the same key answers the same group (default: a fresh one). */
  clientKey?: string;
}

export class Groups {
  #infos = new Map<string, GroupInfo>();
  #readBy = new Map<string, Map<number, number>>();
  #watchTimer: TimerId | null = null;
  #refreshing = new Map<string, TimerId>();

  constructor(private readonly o: GroupsOptions) {}

  /** Groups this user is in, as last heard. */
  all(): GroupInfo[] {
    return [...this.#infos.values()].filter((g) => g.role !== null && !g.dissolved);
  }

  get(conversationId: string): GroupInfo | undefined {
    return this.#infos.get(conversationId);
  }

  async create(g: NewGroup): Promise<GroupInfo> {
    const { clientKey = newClientMsgId(), ...rest } = g;
    return this.#keep(await this.#req("group.create", { clientKey, ...rest }));
  }

  invite(conversationId: string, userIds: string[]): Promise<GroupOk> {
    return this.#req("group.invite", { conversationId, userIds });
  }
  join(conversationId: string, message?: string): Promise<GroupOk> {
    return this.#req("group.join", { conversationId, ...(message ? { message } : {}) });
  }
  approve(conversationId: string, userId: string): Promise<GroupOk> {
    return this.#req("group.approve", { conversationId, userId });
  }
  decline(conversationId: string, userId: string): Promise<GroupOk> {
    return this.#req("group.decline", { conversationId, userId });
  }
  kick(conversationId: string, userIds: string[]): Promise<GroupOk> {
    return this.#req("group.kick", { conversationId, userIds });
  }
  leave(conversationId: string): Promise<GroupOk> {
    return this.#req("group.leave", { conversationId });
  }
  dissolve(conversationId: string): Promise<GroupOk> {
    return this.#req("group.dissolve", { conversationId });
  }
  transfer(conversationId: string, userId: string): Promise<GroupOk> {
    return this.#req("group.transfer", { conversationId, userId });
  }
  setRole(conversationId: string, userId: string, role: Exclude<GroupRole, "owner">) {
    return this.#req("group.role", { conversationId, userId, role });
  }
  /** Mutes a member until `until` (epoch ms); `null` unmutes. */
  mute(conversationId: string, userId: string, until: number | null): Promise<GroupOk> {
    return this.#req("group.mute", { conversationId, userId, ...(until ? { until } : {}) });
  }
  muteAll(conversationId: string, muted: boolean): Promise<GroupOk> {
    return this.#req("group.muteAll", { conversationId, muted });
  }
  update(
    conversationId: string,
    fields: { name?: string; avatar?: string; announcement?: string; joinPolicy?: JoinPolicy },
  ): Promise<GroupOk> {
    return this.#req("group.update", { conversationId, ...fields });
  }

  async info(conversationId: string): Promise<GroupInfo> {
    return this.#keep(await this.#req("group.info", { conversationId }));
  }

  /** Fetches the groups this user is in (done after every connect). */
  async list(): Promise<GroupInfo[]> {
    const { groups } = await this.#req("group.list", {});
    for (const g of groups) this.#keep(g);
    return groups;
  }

  /** One page of members; pass the previous page's `next` for the following one. */
  members(conversationId: string, after?: string, limit = 100) {
    return this.#req("group.members", { conversationId, ...(after ? { after } : {}), limit });
  }

  /** Every current member, page after page. */
  async allMembers(conversationId: string): Promise<GroupMember[]> {
    const out: GroupMember[] = [];
    let after: string | undefined;
    do {
      const page = await this.members(conversationId, after, 200);
      out.push(...page.members);
      after = page.next ?? undefined;
    } while (after);
    return out;
  }

  async requests(conversationId: string): Promise<JoinRequest[]> {
    return (await this.#req("group.requests", { conversationId })).requests;
  }

  /** "Read by N" of the user's own messages of these seqs (kept for `readBy`). */
  async receipts(conversationId: string, seqs: number[]): Promise<Map<number, number>> {
    const map = this.#readBy.get(conversationId) ?? new Map<number, number>();
    for (let i = 0; i < seqs.length; i += 100) {
      const r = await this.#req("group.receipts", { conversationId, seqs: seqs.slice(i, i + 100) });
      for (const x of r.receipts) map.set(x.seq, x.readBy);
    }
    this.#readBy.set(conversationId, map);
    return map;
  }

  /** The last known "read by N" of one of the user's messages. */
  readBy(conversationId: string, seq: number): number | undefined {
    return this.#readBy.get(conversationId)?.get(seq);
  }

  /** Who read one of the user's messages, and who not yet (groups up to 200 members). */
  readers(conversationId: string, seq: number) {
    return this.#req("group.readers", { conversationId, seq });
  }

  /** Refreshes the counts of these own messages soon (a receipt came; several usually do). */
  refreshReceipts(conversationId: string, ownSeqs: () => number[], delayMs = 300): void {
    if (this.#refreshing.has(conversationId)) return;
    this.#refreshing.set(
      conversationId,
      this.o.clock.setTimeout(() => {
        this.#refreshing.delete(conversationId);
        const seqs = ownSeqs();
        if (!seqs.length || !this.o.conn.isOpen) return;
        this.receipts(conversationId, seqs).then(
          () => this.o.onReceipts(conversationId),
          (e) => this.o.onError(e),
        );
      }, delayMs),
    );
  }

  /** A notice changed something about a group: refetch what this user sees of it. */
  onNotice(m: MessageView): void {
    if (m.kind !== "notice" || !this.o.conn.isOpen) return;
    this.info(m.conversationId).catch(() => {}); // a removed member may not see it any more
  }

  /** After a connect: fetch the groups, watch the large ones, keep watching. */
  async onReady(): Promise<void> {
    await this.list();
    this.watch();
    if (this.#watchTimer === null) {
      const tick = () => {
        this.#watchTimer = this.o.clock.setTimeout(tick, this.o.watchEveryMs);
        this.watch();
      };
      this.#watchTimer = this.o.clock.setTimeout(tick, this.o.watchEveryMs);
    }
  }

  /** The connection dropped or the client closed. */
  reset(): void {
    if (this.#watchTimer !== null) this.o.clock.clearTimeout(this.#watchTimer);
    this.#watchTimer = null;
    for (const t of this.#refreshing.values()) this.o.clock.clearTimeout(t);
    this.#refreshing.clear();
  }

  watch(): void {
    const big = this.all().filter((g) => g.diffusion === "read").map((g) => g.conversationId);
    for (let i = 0; i < big.length; i += 500) {
      this.o.conn.signal("group.watch", { conversationIds: big.slice(i, i + 500) });
    }
  }

  #keep(info: GroupInfo): GroupInfo {
    const before = this.#infos.get(info.conversationId);
    this.#infos.set(info.conversationId, info);
    if (JSON.stringify(before) !== JSON.stringify(info)) this.o.onInfo(info);
    if (info.diffusion === "read" && before?.diffusion !== "read") this.watch();
    return info;
  }

  #req<T extends RequestType>(type: T, data: ClientData<T>) {
    return this.o.conn.request(type, data, this.o.timeoutMs);
  }
}
