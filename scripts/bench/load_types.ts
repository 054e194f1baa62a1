/** What the orchestrator and a load-generator process say to each other (JSON lines). */
import type { HistogramData } from "./stats.ts";
import type { ClientKind } from "./ws_client.ts";

export interface ConnSpec {
  userId: string;
  /** The user this connection sends to (its pair); unused when idle. */
  partner: string;
  hostname: string;
  port: number;
  token: string;
  /** Which of its user's devices this is (0 = the first). */
  device: number;
  /** A read-lane probe connection: sends no messages, only history requests (after seeding). */
  reader?: true;
}

export interface LoadSpec {
  role: "e2e" | "idle";
  proc: number;
  /** "floor": no sockets; envelopes go straight to the partition streams (see floor.ts). */
  client: ClientKind | "floor";
  conns: ConnSpec[];
  floor?: { redisUrl: string; prefix: string; partitions: number };
  /** false: no message traffic in the window (typing mode), only the probes. */
  messages: boolean;
  /** Messages per second for this process; 0 = flat out with `window` in flight per connection. */
  rate: number;
  window: number;
  size: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  connectConcurrency: number;
  heartbeatSec: number;
  /** Ack deliveries (msg.delivered, cumulative, coalesced every ackMs) as the SDK does; 0 = never. */
  ackMs: number;
  /** History requests per second of this process over its reader connections (0: none). */
  historyRate: number;
  /** Typing frames per second of this process over its pairs' first devices (0: none). */
  typingRate: number;
}

export interface ReadyEvent {
  event: "ready";
  opened: number;
  failed: number;
  connectSec: number;
  errors: string[];
}

/** One probe's counts in a generator: requests (or frames) and their answers in the window. */
export interface ProbeResult {
  /** Scheduled inside the window. */
  sent: number;
  /** Answers (history.page) or receipts at a partner device (typing) of those. */
  received: number;
  /** Window requests (frames) neither answered nor refused (error frames count in errorFrames). */
  lost: number;
  latency: HistogramData;
}

export interface LoadResult {
  event: "result";
  /** Messages sent inside the measurement window. */
  sent: number;
  acked: number;
  /** Messages (first receipt) delivered inside the window. */
  delivered: number;
  /** Every msg.new frame received inside the window (a message reaches every device). */
  deliveredFrames: number;
  /** Window messages still without ack or delivery after the drain. */
  lost: number;
  errorFrames: Record<string, number>;
  unexpectedCloses: number;
  unknownFrames: number;
  held: number;
  windowSec: number;
  ack: HistogramData;
  e2e: HistogramData;
  /** Scheduled time -> sent, of each window message at a fixed rate (the generator's own delay). */
  late: HistogramData;
  history: ProbeResult | null;
  typing: ProbeResult | null;
}

/** Direct conversation id as the server spells it: `d:<lower id>:<higher id>` (numerically). */
export function directId(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `d:${a}:${b}` : `d:${b}:${a}`;
}
