/** Server-side failure kinds; one place (the consumer) decides ack, retry or dead letter. */
import type { ErrorCode } from "@im/protocol";

/** A failure that the user caused (bad input, forbidden): answered with an error frame, never retried. */
export class PermanentError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = "PermanentError";
  }
}
