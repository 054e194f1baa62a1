/**
 * The tokens of one logged-in device and their renewal. Refresh is single-flight: the refresh
 * token rotates, and two concurrent refreshes with the same token look like theft to the server
 * (it revokes the session).
 */
import type { Clock } from "./clock.ts";
import type { AuthApi, LoginResult } from "./http.ts";

export interface Session {
  userId: string;
  username: string;
  deviceId: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  accessExpiresAt: number;
  refreshExpiresAt: number;
  gatewayId: string;
  wsUrl: string;
}

export function sessionFromLogin(r: LoginResult, now = Date.now()): Session {
  return {
    userId: r.userId,
    username: r.username,
    deviceId: r.deviceId,
    accessToken: r.accessToken,
    refreshToken: r.refreshToken,
    accessExpiresAt: now + r.accessExpiresIn * 1000,
    refreshExpiresAt: now + r.refreshExpiresIn * 1000,
    gatewayId: r.gatewayId,
    wsUrl: r.wsUrl,
  };
}

/** Refresh this long before the access token expires. */
const EARLY_MS = 60_000;

export class SessionKeeper {
  #session: Session;
  #inflight: Promise<Session> | null = null;

  constructor(
    session: Session | LoginResult,
    private readonly api: AuthApi | undefined,
    private readonly clock: Clock,
    private readonly onChange: (s: Session) => void,
  ) {
    this.#session = "accessExpiresAt" in session ? session : sessionFromLogin(session, clock.now());
  }

  get current(): Session {
    return this.#session;
  }

  get canRefresh(): boolean {
    return this.api !== undefined && this.#session.refreshExpiresAt > this.clock.now();
  }

  needsRefresh(): boolean {
    return this.#session.accessExpiresAt - EARLY_MS <= this.clock.now();
  }

  /**
   * New tokens (and a live gateway's wsUrl, not `avoidGateway`'s if another is live). Rejects
   * with the API's error.
   */
  refresh(avoidGateway?: string): Promise<Session> {
    if (!this.api) return Promise.resolve(this.#session);
    this.#inflight ??= this.api.refresh(this.#session.refreshToken, avoidGateway).then((r) => {
      this.#session = sessionFromLogin(r, this.clock.now());
      this.onChange(this.#session);
      return this.#session;
    }).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }
}
