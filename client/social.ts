/**
 * Friends, requests, blocks and your profile, as this device knows them: filled by paged reads,
 * kept current by the pushes every change sends to all of your devices (`friend.changed`,
 * `block.changed`, `profile.me`), and read again after each reconnect, so a device that was
 * offline catches up with what its siblings did.
 */
import type {
  BlockChange,
  BlockedView,
  ClientData,
  FriendChange,
  FriendRequestView,
  FriendView,
  MyProfile,
  PublicProfile,
  ReplyData,
  RequestType,
} from "@im/protocol";

export type Requester = <T extends RequestType>(
  type: T,
  data: ClientData<T>,
) => Promise<ReplyData<T>>;

/** A paged list this device has loaded (in server order) and the cursor of its next page. */
class Paged<V extends { userId: string }> {
  readonly items = new Map<string, V>();
  next: string | undefined;
  loaded = false;

  take(page: V[], cursor: string | undefined, first: boolean) {
    if (first) this.items.clear();
    for (const v of page) this.items.set(v.userId, v);
    this.next = cursor;
    this.loaded = true;
  }
  get more(): boolean {
    return this.next !== undefined;
  }
}

export type RequestItem = FriendRequestView & { userId: string };

export class Social {
  readonly friends = new Paged<FriendView>();
  readonly incoming = new Paged<RequestItem>();
  readonly outgoing = new Paged<RequestItem>();
  readonly blocked = new Paged<BlockedView>();
  me: MyProfile | null = null;

  constructor(
    private readonly request: Requester,
    private readonly changed: (what: "friends" | "blocks" | "profile") => void,
  ) {}

  // --- changes: each resolves with the server's answer, applied here before it returns

  async requestFriend(userId: string, message?: string): Promise<FriendChange> {
    return this.#applied(await this.request("friend.request", { userId, message }));
  }
  async acceptFriend(userId: string) {
    return this.#applied(await this.request("friend.accept", { userId }));
  }
  async declineFriend(userId: string) {
    return this.#applied(await this.request("friend.decline", { userId }));
  }
  async cancelRequest(userId: string) {
    return this.#applied(await this.request("friend.cancel", { userId }));
  }
  async removeFriend(userId: string) {
    return this.#applied(await this.request("friend.delete", { userId }));
  }
  /** Your private name for a friend; "" removes it. */
  async setRemark(userId: string, remark: string) {
    return this.#applied(await this.request("friend.remark", { userId, remark }));
  }
  async block(userId: string): Promise<BlockChange> {
    const r = await this.request("block.add", { userId });
    this.applyBlock(r);
    return r;
  }
  async unblock(userId: string): Promise<BlockChange> {
    const r = await this.request("block.remove", { userId });
    this.applyBlock(r);
    return r;
  }
  async updateProfile(change: ClientData<"profile.update">): Promise<MyProfile> {
    return this.applyProfile(await this.request("profile.update", change));
  }

  // --- reads

  /** Loads the first page (or, with `more`, the next one) of your friends. */
  async loadFriends(more = false): Promise<FriendView[]> {
    const p = await this.request("friend.list", cursorOf(this.friends, more));
    this.friends.take(p.friends, p.cursor, !more);
    this.changed("friends");
    return p.friends;
  }
  async loadRequests(direction: "in" | "out", more = false): Promise<RequestItem[]> {
    const list = direction === "in" ? this.incoming : this.outgoing;
    const p = await this.request("friend.requests", { direction, ...cursorOf(list, more) });
    const items = p.requests.map((r) => ({ ...r, userId: direction === "in" ? r.from : r.to }));
    list.take(items, p.cursor, !more);
    this.changed("friends");
    return items;
  }
  async loadBlocked(more = false): Promise<BlockedView[]> {
    const p = await this.request("block.list", cursorOf(this.blocked, more));
    this.blocked.take(p.blocked, p.cursor, !more);
    this.changed("blocks");
    return p.blocked;
  }
  async loadProfile(): Promise<MyProfile> {
    return this.applyProfile(await this.request("profile.mine", {}));
  }
  async profiles(userIds: string[]): Promise<PublicProfile[]> {
    return (await this.request("profile.get", { userIds })).profiles;
  }
  isBlocked(userId: string): boolean {
    return this.blocked.items.has(userId);
  }

  /** After a reconnect: reads again the first page of each list this device had loaded. */
  async refresh(): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    if (this.friends.loaded) jobs.push(this.loadFriends());
    if (this.incoming.loaded) jobs.push(this.loadRequests("in"));
    if (this.outgoing.loaded) jobs.push(this.loadRequests("out"));
    if (this.blocked.loaded) jobs.push(this.loadBlocked());
    if (this.me) jobs.push(this.loadProfile());
    await Promise.all(jobs);
  }

  // --- pushes (and replies) from the server

  applyFriend(c: FriendChange): void {
    const other = c.userId;
    switch (c.kind) {
      case "requested": {
        const item = { ...c.request!, userId: other };
        (c.by === other ? this.incoming : this.outgoing).items.set(other, item);
        break;
      }
      case "accepted":
      case "remark":
        this.incoming.items.delete(other);
        this.outgoing.items.delete(other);
        if (c.friend) this.friends.items.set(other, c.friend);
        break;
      case "declined":
      case "cancelled":
        this.incoming.items.delete(other);
        this.outgoing.items.delete(other);
        break;
      case "deleted":
        this.friends.items.delete(other);
        break;
      default: {
        const never: never = c.kind;
        return never;
      }
    }
    this.changed("friends");
  }

  applyBlock(b: BlockChange): void {
    if (b.blocked) {
      const known = this.blocked.items.get(b.userId);
      this.blocked.items.set(b.userId, known ?? blockedStub(b, this.friends.items.get(b.userId)));
      // A block drops pending requests both ways (the server did the same).
      this.incoming.items.delete(b.userId);
      this.outgoing.items.delete(b.userId);
    } else this.blocked.items.delete(b.userId);
    this.changed("blocks");
  }

  applyProfile(p: MyProfile): MyProfile {
    this.me = p;
    this.changed("profile");
    return p;
  }

  #applied(c: FriendChange): FriendChange {
    this.applyFriend(c);
    return c;
  }
}

function cursorOf(list: { next: string | undefined }, more: boolean) {
  return more && list.next ? { cursor: list.next } : {};
}

/** A blocked entry before the list is read again: the profile if it is known. */
function blockedStub(b: BlockChange, p: PublicProfile | undefined): BlockedView {
  return {
    userId: b.userId,
    username: p?.username ?? "",
    nickname: p?.nickname ?? "",
    avatarUrl: p?.avatarUrl ?? "",
    bio: p?.bio ?? "",
    blockedAt: b.at,
  };
}
