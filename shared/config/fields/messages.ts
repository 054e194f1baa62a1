/** Messaging rules. */
import { field, type FieldSpec } from "../spec.ts";

export const messageFields = {
  maxBodyChars: field(
    "MAX_BODY_CHARS",
    "int",
    "5000",
    "Longest text message body, in characters.",
    {
      min: 1,
    },
  ),
  recallWindowSec: field(
    "RECALL_WINDOW_SEC",
    "int",
    "120",
    "How long after sending a message may be recalled.",
    {
      min: 0,
    },
  ),
} as const satisfies Record<string, FieldSpec>;
