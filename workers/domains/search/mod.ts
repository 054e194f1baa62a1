/** Message search: the read handler, the message path's one call, the indexer, the index port. */
export { handleSearch } from "./search.ts";
export { type IndexingContext, reindexMessages } from "./outbox.ts";
export { applyToIndex, SearchIndexer } from "./indexer.ts";
export { indexFor, MroongaIndex, NgramIndex } from "./index/mod.ts";
export type { IndexDoc, IndexHit, IndexQuery, Scope, SearchIndex } from "./index/mod.ts";
export { searchPage } from "./query.ts";
export { rebuildIndex, type RebuildProgress } from "./rebuild.ts";
