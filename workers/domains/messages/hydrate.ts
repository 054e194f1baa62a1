/**
 * Views for a reader: the stored rows plus what lives elsewhere, loaded in one query each for a
 * whole page: the messages replies quote and edit notices name (always their current version,
 * so a recalled quote shows nothing and an edit shows the latest text), and reaction counts.
 */
import type { MessageView } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { findByIds, type StoredMessage, type Window } from "./tables.ts";
import { reactionsFor } from "./reactions_tables.ts";
import { toView } from "./views.ts";

const NOTICES = new Set(["recall", "edit"]);

/** The messages these rows refer to (quoted, edited) that the reader's window shows. */
export async function refsFor(
  db: Exec,
  rows: Iterable<StoredMessage>,
  window: Window = { above: 0, upTo: null },
): Promise<Map<string, StoredMessage>> {
  const ids = new Set<string>();
  for (const m of rows) {
    if (m.replyToMsgId) ids.add(m.replyToMsgId);
    if (m.kind === "edit" && m.refMsgId) ids.add(m.refMsgId);
  }
  const found = await findByIds(db, [...ids]);
  for (const [id, m] of found) {
    if (m.seq <= window.above || (window.upTo !== null && m.seq > window.upTo)) found.delete(id);
  }
  return found;
}

/** Wire views of a page of one conversation, as `reader` sees it. */
export async function viewsFor(
  db: Exec,
  reader: string,
  rows: StoredMessage[],
  window?: Window,
): Promise<MessageView[]> {
  if (rows.length === 0) return [];
  // One after the other: a transaction's executor is one connection.
  const refs = await refsFor(db, rows, window);
  const reactions = await reactionsFor(
    db,
    reader,
    rows.filter((m) => !NOTICES.has(m.kind) && !m.recalledAt).map((m) => m.msgId),
  );
  return rows.map((m) => toView(m, { refs, reactions }));
}
