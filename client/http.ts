/**
 * The gateway's HTTP API: register, login, refresh, logout and user lookup. Failures reject with
 * `HttpError` (the server's numbered error) or `NetworkError` (no answer at all).
 */
import type { DeviceView, Platform } from "@im/protocol";
import { ErrorCode, HttpError, NetworkError } from "./errors.ts";

export interface PublicUser {
  userId: string;
  username: string;
  nickname: string;
}

/** The answer to login and refresh. */
export interface LoginResult {
  userId: string;
  username: string;
  deviceId: string;
  accessToken: string;
  accessExpiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  gatewayId: string;
  wsUrl: string;
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export class AuthApi {
  readonly baseUrl: string;

  /** `baseUrl` is the gateway's HTTP origin, e.g. `http://127.0.0.1:8080`. */
  constructor(baseUrl: string, private readonly fetchFn: FetchFn = (i, r) => fetch(i, r)) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  register(body: { username: string; password: string; nickname?: string }): Promise<PublicUser> {
    return this.#call("POST", "/v1/auth/register", { body });
  }

  /**
   * `platform` is the device's class for the server's multi-device policy (a login past the
   * limit of its class signs out that class's oldest device); `deviceName` shows in device lists;
   * `avoidGateway` names a gateway this device could not reach.
   */
  login(body: {
    username: string;
    password: string;
    deviceId?: string;
    platform?: Platform;
    deviceName?: string;
    avoidGateway?: string;
  }): Promise<LoginResult> {
    return this.#call("POST", "/v1/auth/login", { body });
  }

  /** Your signed-in devices (this one first). */
  async devices(accessToken: string): Promise<DeviceView[]> {
    const r = await this.#call<{ devices: DeviceView[] }>("GET", "/v1/devices", {
      token: accessToken,
    });
    return r.devices;
  }

  /** Signs one of your devices out: its tokens stop working and its sockets close (4111). */
  async signOutDevice(accessToken: string, deviceId: string): Promise<void> {
    await this.#call("DELETE", `/v1/devices/${encodeURIComponent(deviceId)}`, {
      token: accessToken,
    });
  }

  /**
   * Rotates the refresh token: the old one must not be used again. `avoidGateway` names a
   * gateway this device could not reach, so the answer names another one if any is live.
   */
  refresh(refreshToken: string, avoidGateway?: string): Promise<LoginResult> {
    const body = avoidGateway ? { refreshToken, avoidGateway } : { refreshToken };
    return this.#call("POST", "/v1/auth/refresh", { body });
  }

  async logout(accessToken: string): Promise<void> {
    await this.#call("POST", "/v1/auth/logout", { token: accessToken });
  }

  userByName(accessToken: string, username: string): Promise<PublicUser> {
    return this.#call("GET", `/v1/users/by-name/${encodeURIComponent(username)}`, {
      token: accessToken,
    });
  }

  userById(accessToken: string, userId: string): Promise<PublicUser> {
    return this.#call("GET", `/v1/users/${encodeURIComponent(userId)}`, { token: accessToken });
  }

  async #call<T>(
    method: string,
    path: string,
    opts: { body?: unknown; token?: string },
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let res: Response;
    try {
      res = await this.fetchFn(this.baseUrl + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (err) {
      throw new NetworkError("cannot reach the server", { cause: err });
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // A proxy's HTML error page: reported by status below.
    }
    if (res.ok) return json as T;
    const err = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof err?.code === "number"
      ? err.code
      : res.status >= 500
      ? ErrorCode.UNAVAILABLE
      : ErrorCode.INVALID_REQUEST;
    const message = typeof err?.message === "string" ? err.message : `HTTP ${res.status}`;
    throw new HttpError(res.status, code, message, Number(res.headers.get("retry-after")) || 0);
  }
}
