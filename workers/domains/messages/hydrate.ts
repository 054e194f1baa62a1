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

/** The messages these rows refer to (quoted, edited), within `window` when given. */
export async function refsFor(
  db: Exec,
  rows: Iterable<StoredMessage>,
  window?: Window,
): Promise<Map<string, StoredMessage>> {
  const ids = new Set<string>();
  for (const m of rows) {
    if (m.replyToMsgId) ids.add(m.replyToMsgId);
    if (m.kind === "edit" && m.refMsgId) ids.add(m.refMsgId);
  }
  return inWindow(await findByIds(db, [...ids]), window);
}

/** Wire views of a page of one conversation, as `reader` sees it. */
export async function viewsFor(
  db: Exec,
  reader: string,
  rows: StoredMessage[],
  window?: Window,
): Promise<MessageView[]> {
  return (await viewsForPages(db, reader, [{ rows, window }]))[0];
}

export interface Page {
  rows: StoredMessage[];
  window?: Window;
}

/** Views of pages of several conversations, with one query for refs and one for reactions. */
export async function viewsForPages(
  db: Exec,
  reader: string,
  pages: Page[],
): Promise<MessageView[][]> {
  const all = pages.flatMap((p) => p.rows);
  if (all.length === 0) return pages.map(() => []);
  // Each page's refs are filtered by its own window; the lookups are one query each.
  // One after the other: a transaction's executor is one connection.
  const found = await refsFor(db, all);
  const reactions = await reactionsFor(
    db,
    reader,
    all.filter((m) => !NOTICES.has(m.kind) && !m.recalledAt).map((m) => m.msgId),
  );
  return pages.map((p) => {
    const refs = inWindow(found, p.window);
    return p.rows.map((m) => toView(m, { refs, reactions }));
  });
}

function inWindow(refs: Map<string, StoredMessage>, window?: Window) {
  if (!window) return refs;
  return new Map(
    [...refs].filter(([, m]) =>
      m.seq > window.above && (window.upTo === null || m.seq <= window.upTo)
    ),
  );
}
