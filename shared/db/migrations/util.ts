/** Catalog checks that make each DDL step re-runnable (MySQL DDL is not transactional). */
import { type Kysely, sql } from "kysely";

export async function hasColumn(
  db: Kysely<unknown>,
  table: string,
  column: string,
): Promise<boolean> {
  const r = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = ${table} AND column_name = ${column}`
    .execute(db);
  return Number(r.rows[0].n) > 0;
}

export async function hasIndex(
  db: Kysely<unknown>,
  table: string,
  index: string,
): Promise<boolean> {
  const r = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = ${table} AND index_name = ${index}`
    .execute(db);
  return Number(r.rows[0].n) > 0;
}
