/**
 * Edits, reactions and media for `ImClient`: the requests, what they change in the store, and
 * signed media links cached until shortly before they expire.
 */
import type { Edited, MessageView, ReactionChanged } from "@im/protocol";
import type { Connection } from "./connection.ts";
import type { MediaApi, MediaLink } from "./media.ts";
import type { MessageStore } from "./store.ts";

export interface RichDeps {
  conn: Connection;
  store: MessageStore;
  timeoutMs: number;
  media(): MediaApi;
  token(): string;
  now(): number;
  onEdited(m: MessageView | null, e: Edited): void;
  onReaction(m: MessageView | null, r: ReactionChanged): void;
}

/** Links are renewed this long before they expire. */
const LINK_MARGIN_MS = 30_000;

export class Rich {
  #links = new Map<string, Promise<MediaLink>>();

  constructor(private readonly d: RichDeps) {}

  async edit(msgId: string, body: string): Promise<Edited> {
    const r = await this.d.conn.request("msg.edit", { msgId, body }, this.d.timeoutMs);
    this.edited(r);
    return r;
  }

  async react(msgId: string, emoji: string, add: boolean): Promise<ReactionChanged> {
    const r = await this.d.conn.request("msg.react", { msgId, emoji, add }, this.d.timeoutMs);
    this.reacted(r);
    return r;
  }

  edited(e: Edited): void {
    this.d.onEdited(this.d.store.applyEdit(e), e);
  }

  reacted(r: ReactionChanged): void {
    this.d.onReaction(this.d.store.applyReaction(r), r);
  }

  /** A signed link (absolute URLs) for an `<img>`, `<audio>` or download; cached. */
  link(mediaId: string): Promise<MediaLink> {
    const cached = this.#links.get(mediaId);
    if (cached) {
      return cached.then((l) =>
        l.expiresAt - LINK_MARGIN_MS > this.d.now() ? l : this.#fresh(mediaId)
      );
    }
    return this.#fresh(mediaId);
  }

  #fresh(mediaId: string): Promise<MediaLink> {
    const api = this.d.media();
    const p = api.link(this.d.token(), mediaId).then((l) => ({
      url: api.resolve(l.url),
      ...(l.thumbUrl ? { thumbUrl: api.resolve(l.thumbUrl) } : {}),
      expiresAt: l.expiresAt,
    }));
    this.#links.set(mediaId, p);
    p.catch(() => this.#links.delete(mediaId));
    return p;
  }
}
