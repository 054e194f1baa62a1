/**
 * One logical connection that outlives sockets: opens a socket with the current token, waits for
 * `hello`, runs the `onReady` step (resend, sync), keeps heartbeats, and on loss reconnects with
 * backoff, refreshing tokens (and so the gateway) first when the close code or repeated failures
 * call for it. Close codes that say "give up" stop it for good.
 */
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import type { Clock, TimerId } from "./clock.ts";
import {
  closeAction,
  CloseCode,
  ConnectionError,
  describeClose,
  ErrorCode,
  HttpError,
  ServerError,
} from "./errors.ts";
import {
  type ClientData,
  type ClientType,
  type Hello,
  parseServerFrame,
  type ReplyData,
  type RequestType,
  type ServerFrame,
  type ServerType,
  specOf,
  type TypesOf,
} from "@im/protocol";
import { RequestTracker } from "./requests.ts";
import type { SessionKeeper } from "./session.ts";
import { authProtocols, OPEN, type SocketFactory, type SocketLike } from "./transport.ts";

export type ConnectionState =
  | "idle"
  | "connecting"
  | "syncing"
  | "online"
  | "reconnecting"
  | "stopped";

export interface StateChange {
  state: ConnectionState;
  /** Reconnect attempts since the last time online. */
  attempt: number;
  /** When reconnecting: delay before the next try. */
  retryInMs?: number;
  /** The close code that caused this change, if any. */
  code?: number;
  /** Plain words for "stopped". */
  message?: string;
}

export interface ConnectionOptions {
  sockets: SocketFactory;
  session: SessionKeeper;
  clock: Clock;
  random: () => number;
  backoff?: BackoffOptions;
  helloTimeoutMs: number;
  /** Overrides the heartbeat interval the server announces. */
  heartbeatMs?: number;
  onFrame(frame: ServerFrame): void;
  onReady(hello: Hello): Promise<void>;
  onState(change: StateChange): void;
}

/** Failures before `hello` after which the token and gateway are refreshed. */
const REFRESH_AFTER_FAILURES = 2;

export class Connection {
  #state: ConnectionState = "idle";
  #socket: SocketLike | null = null;
  #hello: Hello | null = null;
  #timers = new Set<TimerId>();
  #heartbeat: TimerId | null = null;
  #retry: TimerId | null = null;
  #failures = 0;
  #forceRefresh = false;
  /** A gateway this device could not reach (or that is draining): the refresh asks for another. */
  #avoid: string | undefined;
  readonly #backoff: Backoff;
  readonly #tracker: RequestTracker;

  constructor(private readonly o: ConnectionOptions) {
    this.#backoff = new Backoff(o.backoff ?? DEFAULT_BACKOFF, o.random);
    this.#tracker = new RequestTracker(o.clock);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get hello(): Hello | null {
    return this.#hello;
  }

  /** True once `hello` arrived on the current socket (requests may be sent). */
  get isOpen(): boolean {
    return this.#hello !== null && this.#socket?.readyState === OPEN;
  }

  start(): void {
    if (this.#state !== "idle" && this.#state !== "stopped") return;
    this.#backoff.reset();
    this.#set({ state: "connecting", attempt: 0 });
    void this.#open();
  }

  /** Skips the backoff wait (the app saw the network come back, or the user asked). */
  reconnectNow(): void {
    if (this.#state === "reconnecting" && this.#retry !== null) {
      this.o.clock.clearTimeout(this.#retry);
      this.#retry = null;
      void this.#open();
    } else if (this.#state === "stopped" || this.#state === "idle") this.start();
  }

  stop(code: number = CloseCode.NORMAL, message = "closed"): void {
    this.#teardown(new ConnectionError("client closed"));
    if (this.#retry !== null) this.o.clock.clearTimeout(this.#retry);
    this.#retry = null;
    this.#set({ state: "stopped", attempt: this.#backoff.attempt, code, message });
  }

  /** Sends a request; resolves with the data of its reply, rejects with its error. */
  request<T extends RequestType>(
    type: T,
    data: ClientData<T>,
    timeoutMs: number,
  ): Promise<ReplyData<T>> {
    const id = this.#tracker.nextId();
    const text = this.#encode(type, data, id);
    if (text instanceof Error) return Promise.reject(text);
    const reply = this.#tracker.track(id, type, specOf(type).reply as ServerType, timeoutMs);
    this.#socket!.send(text);
    return reply.then((f) => f.data as ReplyData<T>);
  }

  /** Sends a frame that gets no reply (ephemeral signals); false when not connected or invalid. */
  signal<T extends TypesOf<"ephemeral">>(type: T, data: ClientData<T>): boolean {
    const text = this.#encode(type, data);
    if (text instanceof Error) return false;
    this.#socket!.send(text);
    return true;
  }

  /** The frame's text, or why it cannot go: not connected, invalid, or over the frame cap. */
  #encode(type: ClientType, data: unknown, id?: string): string | Error {
    if (!this.isOpen) return new ConnectionError();
    const text = JSON.stringify(id === undefined ? { type, data } : { type, id, data });
    // The server closes the socket (1009) on an oversized frame: refuse it here instead.
    if (byteLength(text) > this.#hello!.maxFrameBytes) {
      return new ServerError(ErrorCode.BODY_LENGTH, "message is too large to send");
    }
    // The server's own schema: a frame it would refuse fails here, with the same words.
    const checked = specOf(type).data.parse(data, "data");
    if (!checked.ok) {
      const { path, problem } = checked.issue;
      return new ServerError(ErrorCode.INVALID_FRAME, `${path} ${problem}`);
    }
    return text;
  }

  async #open(): Promise<void> {
    this.#retry = null;
    const keeper = this.o.session;
    if ((this.#forceRefresh || keeper.needsRefresh()) && keeper.canRefresh) {
      try {
        await keeper.refresh(this.#avoid);
        this.#forceRefresh = false;
        this.#avoid = undefined;
      } catch (err) {
        if (err instanceof HttpError && err.status === 401) {
          return this.stop(
            CloseCode.SESSION_REVOKED,
            "Your session has ended. Please log in again.",
          );
        }
        return this.#scheduleRetry(); // server unreachable: try again later
      }
    }
    if (this.#state === "stopped") return;
    const s = keeper.current;
    let socket: SocketLike;
    try {
      socket = this.o.sockets(s.wsUrl, authProtocols(s.accessToken));
    } catch {
      return this.#lost(CloseCode.ABNORMAL, "");
    }
    this.#socket = socket;
    this.#after(this.o.helloTimeoutMs, () => {
      if (!this.#hello && this.#socket === socket) this.#drop(CloseCode.ABNORMAL);
    });
    socket.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      const frame = parseServerFrame(ev.data);
      if (!frame) return;
      if (frame.type === "hello") return void this.#onHello(socket, frame.data);
      this.#tracker.settle(frame);
      this.o.onFrame(frame);
    };
    socket.onclose = (ev) => {
      if (this.#socket === socket) this.#lost(ev.code, ev.reason);
    };
    socket.onerror = () => {};
  }

  async #onHello(socket: SocketLike, hello: Hello): Promise<void> {
    this.#hello = hello;
    this.#failures = 0;
    this.#set({ state: "syncing", attempt: this.#backoff.attempt });
    this.#beat(this.o.heartbeatMs ?? hello.heartbeatSec * 1000);
    try {
      await this.o.onReady(hello);
    } catch {
      if (this.#socket === socket) this.#drop(CloseCode.ABNORMAL);
      return;
    }
    if (this.#socket !== socket) return;
    this.#backoff.reset();
    this.#set({ state: "online", attempt: 0 });
  }

  /** A ping every interval; no pong within the next interval means a dead link. */
  #beat(intervalMs: number): void {
    this.#heartbeat = this.o.clock.setTimeout(() => {
      const socket = this.#socket;
      this.request("ping", {}, intervalMs).then(
        () => {},
        () => {
          if (this.#socket === socket) this.#drop(CloseCode.ABNORMAL);
        },
      );
      this.#beat(intervalMs);
    }, intervalMs);
  }

  /** Abandons the current socket without waiting for its close event (which may never come). */
  #drop(code: number): void {
    const socket = this.#socket;
    if (!socket) return;
    try {
      socket.close(CloseCode.NORMAL, "client reconnecting");
    } catch {
      // already closed
    }
    this.#lost(code, "");
  }

  #lost(code: number, reason: string): void {
    const hadHello = this.#hello !== null;
    this.#teardown(new ConnectionError("connection lost"));
    if (this.#state === "stopped") return;
    const action = closeAction(code);
    if (action === "stop") return this.stop(code, describeClose(code, reason));
    if (!hadHello) this.#failures++;
    const unreachable = code === CloseCode.DRAINING || this.#failures >= REFRESH_AFTER_FAILURES;
    if (unreachable) this.#avoid = this.o.session.current.gatewayId;
    if (action === "refresh" || unreachable) this.#forceRefresh = true;
    this.#scheduleRetry(code);
  }

  #scheduleRetry(code?: number): void {
    if (this.#state === "stopped") return;
    const delay = this.#backoff.next();
    this.#set({ state: "reconnecting", attempt: this.#backoff.attempt, retryInMs: delay, code });
    this.#retry = this.o.clock.setTimeout(() => void this.#open(), delay);
  }

  #teardown(err: Error): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#hello = null;
    if (socket) {
      socket.onmessage = socket.onclose = socket.onerror = null;
      if (socket.readyState <= OPEN) {
        try {
          socket.close(CloseCode.NORMAL, "bye");
        } catch {
          // closing already
        }
      }
    }
    if (this.#heartbeat !== null) this.o.clock.clearTimeout(this.#heartbeat);
    this.#heartbeat = null;
    for (const t of this.#timers) this.o.clock.clearTimeout(t);
    this.#timers.clear();
    this.#tracker.failAll(err);
  }

  #after(ms: number, fn: () => void): void {
    const t = this.o.clock.setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #set(change: StateChange): void {
    this.#state = change.state;
    this.o.onState(change);
  }
}

const encoder = new TextEncoder();
function byteLength(text: string): number {
  return text.length * 3 < 1024 ? text.length : encoder.encode(text).length;
}
