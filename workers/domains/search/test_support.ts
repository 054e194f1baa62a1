/** Fixtures of the search tests: drain the outbox, ask a search through a real read lane. */
import type { ClientData } from "@im/protocol";
import { createLogger } from "@im/shared/log";
import type { TestEnv } from "@im/shared/testing";
import { envelope, resultFrames, serveReads } from "../../test_support.ts";
import { SearchIndexer } from "./indexer.ts";
import { MroongaIndex } from "./index/sql.ts";

/** Applies everything queued to the index, as the worker's indexer does after commits. */
export async function drain(env: TestEnv): Promise<number> {
  const indexer = new SearchIndexer({
    db: env.db,
    indexOn: (x) => new MroongaIndex(x),
    intervalMs: 10,
    log: createLogger("error"),
  });
  let total = 0;
  for (let n = await indexer.drainOnce(); n > 0; n = await indexer.drainOnce()) total += n;
  return total;
}

let n = 0;

// deno-lint-ignore no-explicit-any
type Reply = { type: string; id?: string; data: any };

/** The reply (search.page or error) to one search by `userId`, served by the read lane. */
export async function search(
  env: TestEnv,
  userId: string,
  data: ClientData<"search">,
): Promise<Reply> {
  const id = `s${++n}`;
  const conn = { connId: `c-${userId}`, gatewayId: `g-${userId}` };
  await serveReads(env, [envelope(userId, { type: "search", id, data }, conn)]);
  const frames = await resultFrames(env, conn.gatewayId);
  return frames.find((f) => f.frame.id === id)!.frame;
}

/** The hits' bodies of a successful search (throws on an error frame). */
export async function found(env: TestEnv, userId: string, data: ClientData<"search">) {
  const f = await search(env, userId, data);
  if (f.type !== "search.page") throw new Error(`search failed: ${JSON.stringify(f.data)}`);
  return (f.data.hits as Array<{ snippet: string }>).map((h) => h.snippet);
}
