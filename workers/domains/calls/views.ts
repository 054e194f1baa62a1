/** A stored call record as the wire shows it: kind "call", no body, the record as `call`. */
import type { CallRecord, MessageView } from "@im/protocol";

export function withCallRecord(view: MessageView, body: string): MessageView {
  let call: CallRecord | undefined;
  try {
    call = JSON.parse(body) as CallRecord;
  } catch {
    call = undefined; // never written so; an unreadable record shows as a bare call message
  }
  return { ...view, kind: "call", body: "", ...(call ? { call } : {}) };
}
