/**
 * The internal envelope a gateway writes to a stream, and its one codec (written by the
 * gateway, read by the workers). Identity lives only here, never in the frame.
 */
import type { BusinessFrame } from "@im/protocol";

export interface Envelope {
  frame: BusinessFrame;
  userId: string;
  deviceId: string;
  connId: string;
  gatewayId: string;
  receivedAt: number;
  traceparent?: string;
}

/** The stream entry's field holding the envelope. */
export const ENVELOPE_FIELD = "e";

export function encodeEnvelope(env: Envelope): string {
  return JSON.stringify(env);
}

/**
 * Reads an entry's fields back into an envelope; null when the entry is not one (corrupt, or
 * written by something else). The frame type is not checked against this build's table: an
 * older worker must answer a type it does not know rather than fail to read it.
 */
export function decodeEnvelope(fields: string[]): Envelope | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] !== ENVELOPE_FIELD) continue;
    try {
      const env = JSON.parse(fields[i + 1]) as Envelope;
      const ok = typeof env?.frame?.type === "string" && typeof env.userId === "string" &&
        typeof env.connId === "string" && typeof env.gatewayId === "string";
      return ok ? env : null;
    } catch {
      return null;
    }
  }
  return null;
}
