/// <reference lib="dom" />
/** Display names of user ids, fetched once each and shared by every component. */
import type { AuthApi, PublicUser } from "../../mod.ts";

export class Directory {
  #known = new Map<string, PublicUser>();
  #loading = new Set<string>();

  constructor(
    private readonly api: AuthApi,
    private readonly token: () => string,
    private readonly onLoad: () => void,
    /** Your private name for a user (a friend's remark), which wins over their nickname. */
    private readonly remarkOf: (userId: string) => string | undefined = () => undefined,
  ) {}

  remember(u: PublicUser): void {
    this.#known.set(u.userId, u);
  }

  name(userId: string): string {
    const remark = this.remarkOf(userId);
    if (remark) return remark;
    const u = this.#known.get(userId);
    if (u) return u.nickname || u.username;
    if (!this.#loading.has(userId)) {
      this.#loading.add(userId);
      this.api.userById(this.token(), userId).then((user) => {
        this.#known.set(userId, user);
        this.onLoad();
      }).catch(() => this.#loading.delete(userId));
    }
    return `user ${userId}`;
  }

  async byName(username: string): Promise<PublicUser> {
    const u = await this.api.userByName(this.token(), username.trim().toLowerCase());
    this.remember(u);
    return u;
  }
}
