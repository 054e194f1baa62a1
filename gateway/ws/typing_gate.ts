/**
 * Per-connection limit on typing: a start (`active: true`) for the same conversation closer
 * than TYPING_MIN_INTERVAL_MS to the last one accepted is refused with RATE_LIMITED; stops
 * always pass. Lives at the gateway because the connection does (workers each see only some
 * of its ephemeral frames). Clients that follow the SDK (a start every few seconds) never hit it.
 */
import { type BusinessFrame, type ErrorBody, ErrorCode } from "@im/protocol";

/** Conversations remembered per connection; past it the oldest is forgotten. */
const MAX_TRACKED = 64;

export class TypingGate {
  readonly #last = new WeakMap<object, Map<string, number>>();

  constructor(private readonly minIntervalMs: number, private readonly now = Date.now) {}

  /** Null when the frame may go on; the error to answer with otherwise. */
  check(conn: object, frame: BusinessFrame): ErrorBody | null {
    if (frame.type !== "typing" || !frame.data.active || this.minIntervalMs <= 0) return null;
    let seen = this.#last.get(conn);
    if (!seen) this.#last.set(conn, seen = new Map());
    const now = this.now();
    const prev = seen.get(frame.data.conversationId);
    if (prev !== undefined && now - prev < this.minIntervalMs) {
      return { code: ErrorCode.RATE_LIMITED, message: "typing too often: slow down" };
    }
    seen.delete(frame.data.conversationId);
    seen.set(frame.data.conversationId, now);
    if (seen.size > MAX_TRACKED) seen.delete(seen.keys().next().value!);
    return null;
  }
}
