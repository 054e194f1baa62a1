/** The index adapter a deployment runs (SEARCH_ENGINE), on an executor. */
import type { Exec } from "@im/shared/db";
import type { SearchIndex } from "./port.ts";
import { MroongaIndex, NgramIndex } from "./sql.ts";

export type { IndexDoc, IndexHit, IndexQuery, Scope, SearchIndex } from "./port.ts";
export { MroongaIndex, NgramIndex } from "./sql.ts";

/** Null when search is off. */
export function indexFor(engine: string, db: Exec): SearchIndex | null {
  switch (engine) {
    case "mroonga":
      return new MroongaIndex(db);
    case "ngram":
      return new NgramIndex(db);
    default:
      return null;
  }
}
