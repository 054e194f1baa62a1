/**
 * The same page reads without the system around them: the worker's own statements
 * (`listPage` + `itemsOf`, as `conv.list` runs them) from this process, timed per page. It
 * separates the database's share from the stream hops and the WebSocket, and counts the index
 * rows MariaDB read per page (its session counters).
 */
import { sql } from "kysely";
import type { Db } from "@im/shared/db";
import { itemsOf } from "../../workers/domains/inbox/list.ts";
import { listPage, type ListPosition } from "../../workers/domains/inbox/tables.ts";
import { Histogram } from "./stats.ts";

export async function directPages(db: Db, me: string, limit: number, passes: number) {
  const h = new Histogram();
  let maxRowsRead = 0;
  await db.connection().execute(async (c) => {
    for (let p = 0; p < passes; p++) {
      let after: ListPosition | null = null;
      for (;;) {
        await sql`FLUSH STATUS`.execute(c);
        const t0 = performance.now();
        const rows = await listPage(c, me, after, limit + 1);
        await itemsOf(c, me, rows.slice(0, limit));
        h.record(performance.now() - t0);
        const st = await sql<{ Value: string }>`SHOW SESSION STATUS
          WHERE Variable_name IN ('Handler_read_prev', 'Handler_read_next')`.execute(c);
        maxRowsRead = Math.max(maxRowsRead, st.rows.reduce((s, r) => s + Number(r.Value), 0));
        if (rows.length <= limit) break;
        const l = rows[limit - 1];
        after = { pinned: l.pinned ? 1 : 0, at: l.activeAt, id: l.conversationId };
      }
    }
  });
  return { pages: h.summary(), maxIndexRowsReadPerPage: maxRowsRead };
}
