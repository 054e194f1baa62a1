/**
 * The socket seam: the SDK talks to anything shaped like a browser WebSocket, built by a factory,
 * so tests pass an in-memory fake and apps may pass a custom WebSocket implementation.
 */
import { SUBPROTOCOL } from "@im/protocol";

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

export const OPEN = 1;

export const webSocketFactory: SocketFactory = (url, protocols) => new WebSocket(url, protocols);

/** Browsers cannot set headers on a WebSocket: the token travels as a subprotocol. */
export function authProtocols(accessToken: string): string[] {
  return [SUBPROTOCOL, `bearer.${accessToken}`];
}
