/**
 * Presence on the client: which users the app has on screen (`watch`, reference-counted), their
 * latest states (a view with a lower `ver` than the one held is stale and dropped), renewed
 * subscriptions while watched, and subscriptions restored after every reconnect.
 */
import type { PresenceView } from "@im/protocol";
import { PRESENCE_MAX_USERS } from "@im/protocol";
import type { Clock, TimerId } from "./clock.ts";
import type { Connection } from "./connection.ts";

export interface PresenceOptions {
  conn: Connection;
  clock: Clock;
  requestTimeoutMs: number;
  /** How often watched users are subscribed again (below the server's PRESENCE_SUB_TTL_SEC). */
  renewMs: number;
  onChange(views: PresenceView[]): void;
  onError(err: Error): void;
}

export class PresenceTracker {
  readonly #views = new Map<string, PresenceView>();
  readonly #watched = new Map<string, number>();
  #queued = new Set<string>();
  #flushTimer: TimerId | null = null;
  #renewTimer: TimerId | null = null;

  constructor(private readonly o: PresenceOptions) {}

  /** What is known of a user (undefined until the server answered). */
  get(userId: string): PresenceView | undefined {
    return this.#views.get(userId);
  }

  /** Watches users (the ones on screen); the returned function stops watching them. */
  watch(userIds: string[]): () => void {
    const fresh = [...new Set(userIds)];
    for (const u of fresh) {
      const n = this.#watched.get(u) ?? 0;
      this.#watched.set(u, n + 1);
      if (n === 0) this.#queue(u);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const gone: string[] = [];
      for (const u of fresh) {
        const n = (this.#watched.get(u) ?? 1) - 1;
        if (n > 0) this.#watched.set(u, n);
        else (this.#watched.delete(u), gone.push(u));
      }
      if (gone.length && this.o.conn.isOpen) {
        for (let i = 0; i < gone.length; i += PRESENCE_MAX_USERS) {
          this.o.conn.signal("presence.unsub", { userIds: gone.slice(i, i + PRESENCE_MAX_USERS) });
        }
      }
    };
  }

  /** Applies views from the server; keeps each user's newest. Returns the ones that changed. */
  apply(views: PresenceView[]): PresenceView[] {
    const changed: PresenceView[] = [];
    for (const v of views) {
      const cur = this.#views.get(v.userId);
      if (cur && (cur.ver ?? 0) > (v.ver ?? 0)) continue;
      if (cur && cur.online === v.online && cur.lastSeen === v.lastSeen && cur.ver === v.ver) {
        continue;
      }
      this.#views.set(v.userId, v);
      changed.push(v);
    }
    if (changed.length) this.o.onChange(changed);
    return changed;
  }

  /** After each connect: subscribe everything watched again (subscriptions are per connection). */
  resubscribe(): void {
    for (const u of this.#watched.keys()) this.#queue(u);
    this.#scheduleRenew();
  }

  stop(): void {
    if (this.#flushTimer !== null) this.o.clock.clearTimeout(this.#flushTimer);
    if (this.#renewTimer !== null) this.o.clock.clearTimeout(this.#renewTimer);
    this.#flushTimer = this.#renewTimer = null;
  }

  #queue(userId: string): void {
    this.#queued.add(userId);
    // Coalesce a render's worth of watch() calls into one frame.
    this.#flushTimer ??= this.o.clock.setTimeout(() => this.#flush(), 0);
  }

  #flush(): void {
    this.#flushTimer = null;
    if (!this.o.conn.isOpen) return; // resubscribe() sends them after the connect
    const ids = [...this.#queued].filter((u) => this.#watched.has(u));
    this.#queued.clear();
    for (let i = 0; i < ids.length; i += PRESENCE_MAX_USERS) {
      const userIds = ids.slice(i, i + PRESENCE_MAX_USERS);
      this.o.conn.request("presence.sub", { userIds }, this.o.requestTimeoutMs)
        .then((r) => this.apply(r.users), (e) => this.o.onError(e));
    }
  }

  #scheduleRenew(): void {
    if (this.#renewTimer !== null) this.o.clock.clearTimeout(this.#renewTimer);
    this.#renewTimer = this.o.clock.setTimeout(() => {
      this.#renewTimer = null;
      for (const u of this.#watched.keys()) this.#queue(u);
      this.#scheduleRenew();
    }, this.o.renewMs);
  }
}
