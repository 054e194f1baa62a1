/**
 * Which stored messages are searchable, and by what text. A recall notice and a recalled
 * message are not; a text is found by its body; other kinds (media, files, ...) are found by
 * filters, and by whatever text `TEXT_OF` gives them (a caption, a file name) once they exist.
 */
import { isNotice } from "@im/protocol";
import type { StoredMessage } from "../messages/tables.ts";
import type { IndexDoc } from "./index/port.ts";

/** The searchable text of each kind that has one; a kind not named here has none (""). */
const TEXT_OF: Record<string, (body: string) => string> = {
  text: (body) => body,
  // The caption (or a place's name and address, a custom message's fallback text): `body`.
  image: (body) => body,
  video: (body) => body,
  file: (body) => body,
  location: (body) => body,
  custom: (body) => body,
};

export function searchableText(m: Pick<StoredMessage, "kind" | "body">): string {
  return TEXT_OF[m.kind]?.(m.body) ?? "";
}

/** The index entry of a stored message, or null when it must not be in the index. */
export function documentOf(m: StoredMessage): IndexDoc | null {
  if (m.recalledAt || isNotice(m.kind)) return null;
  return {
    msgId: m.msgId,
    conversationId: m.conversationId,
    seq: m.seq,
    senderId: m.senderId,
    kind: m.kind,
    createdAt: m.createdAt,
    text: searchableText(m),
  };
}
