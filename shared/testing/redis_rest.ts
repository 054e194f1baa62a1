/**
 * A Redis REST endpoint on loopback that speaks Upstash's protocol over a real Redis, for tests
 * and local runs of the HTTP-only API. Not a production component: production uses Upstash or
 * SRH (hiett/serverless-redis-http, Elixir; no packaged equivalent exists on npm, so this small
 * shim is ours).
 *
 * Protocol (as @upstash/redis 1.39 speaks it, and as SRH answers it):
 *   POST /            body ["SET", "k", "v"]              -> 200 {"result": ...} | 400 {"error"}
 *   POST /pipeline    body [["GET","k"], ["INCR","n"]]    -> 200 [{"result"} | {"error"}, ...]
 *   POST /multi-exec  same body, run in MULTI/EXEC        -> 200 [...] | 400 {"error"}
 *   Authorization: Bearer <token> on every request        -> 401 {"error"} otherwise
 *   Upstash-Encoding: base64: every string in a result is base64 of its bytes (numbers and
 *   nulls as they are), so binary values survive JSON.
 * HGETALL answers a flat [field, value, ...] array, as Redis sends it.
 *
 * Run standalone: REDIS_REST_TOKEN=... deno run -A shared/testing/redis_rest.ts [port]
 */
import { Buffer } from "node:buffer";
import { ReplyError } from "ioredis";
import { connectRedis, type Redis } from "../redis/connect.ts";
import { pipeline as slotPipeline } from "../redis/pipeline.ts";

export interface RestRequest {
  path: string;
  base64: boolean;
  commands: string[][];
}

export interface RedisRest {
  url: string;
  token: string;
  /** The last 1000 authorized requests, for tests that check what the client sends. */
  requests: RestRequest[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
// They change the connection's state, which every request shares.
const REFUSED = new Set([
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "monitor",
  "select",
  "quit",
  "reset",
]);

type Json = string | number | null | Json[];
type Outcome = { result: Json } | { error: string };

export async function startRedisRest(
  opts: { redisUrl: string; token?: string; port?: number },
): Promise<RedisRest> {
  const token = opts.token ?? crypto.randomUUID();
  const redis = connectRedis(opts.redisUrl, {
    connectionName: "redis-rest",
    maxRetriesPerRequest: 1,
  });
  await redis.ping(); // fail at start, not at the first request, when Redis is not there
  const requests: RestRequest[] = [];
  const expected = new TextEncoder().encode(`Bearer ${token}`);

  const authorized = (req: Request) => {
    const got = new TextEncoder().encode(req.headers.get("authorization") ?? "");
    if (got.length !== expected.length) return false;
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff |= got[i] ^ expected[i];
    return diff === 0;
  };

  const handler = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (req.method !== "POST" || !["/", "/pipeline", "/multi-exec"].includes(path)) {
      return Response.json({ error: "not found" }, { status: 404 });
    }
    if (!authorized(req)) return Response.json({ error: "Unauthorized" }, { status: 401 });
    const raw = new Uint8Array(await req.arrayBuffer());
    if (raw.length > MAX_BODY_BYTES) {
      return Response.json({ error: "body too large" }, { status: 413 });
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      return Response.json({ error: "invalid JSON" }, { status: 400 });
    }
    const single = path === "/";
    const commands = single
      ? [commandOf(body)]
      : Array.isArray(body)
      ? body.map(commandOf)
      : [null];
    if (commands.length === 0 || commands.some((c) => c === null)) {
      return Response.json({ error: "expected a command array (or an array of them)" }, {
        status: 400,
      });
    }
    const cmds = commands as string[][];
    const base64 = req.headers.get("upstash-encoding") === "base64";
    requests.push({ path, base64, commands: cmds });
    if (requests.length > 1000) requests.shift();
    try {
      const outcomes = path === "/multi-exec"
        ? await multi(redis, cmds)
        : await pipeline(redis, cmds);
      const encoded = outcomes.map((o) => "result" in o ? { result: encode(o.result, base64) } : o);
      if (!single) return Response.json(encoded);
      return Response.json(encoded[0], { status: "error" in encoded[0] ? 400 : 200 });
    } catch (e) {
      if (isReplyError(e)) return Response.json({ error: e.message }, { status: 400 });
      return Response.json({ error: "redis unreachable" }, { status: 500 });
    }
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: opts.port ?? 0, onListen: () => {} },
    handler,
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    token,
    requests,
    async close() {
      await server.shutdown();
      redis.disconnect();
    },
  };
}

/** An error Redis answered (the command ran and failed), as opposed to Redis being unreachable. */
function isReplyError(e: unknown): e is Error {
  return e instanceof ReplyError;
}

/** A command is a non-empty array of strings and numbers; anything else is refused. */
function commandOf(x: unknown): string[] | null {
  if (!Array.isArray(x) || x.length === 0) return null;
  if (!x.every((a) => typeof a === "string" || (typeof a === "number" && Number.isFinite(a)))) {
    return null;
  }
  return x.map(String);
}

async function pipeline(redis: Redis, cmds: string[][]): Promise<Outcome[]> {
  const pipe = slotPipeline(redis);
  const refused = new Map<number, string>();
  cmds.forEach(([name, ...args], i) => {
    if (REFUSED.has(name.toLowerCase())) refused.set(i, `ERR ${name} is not allowed over REST`);
    else pipe.callBuffer(name, ...args);
  });
  const res = refused.size === cmds.length ? [] : await pipe.exec() ?? [];
  let j = 0;
  return cmds.map((_, i) => {
    const r = refused.get(i);
    if (r) return { error: r };
    const [err, value] = res[j++];
    if (err && !isReplyError(err)) throw err;
    return err ? { error: err.message } : { result: value as Json };
  });
}

async function multi(redis: Redis, cmds: string[][]): Promise<Outcome[]> {
  const bad = cmds.find(([name]) => REFUSED.has(name.toLowerCase()));
  if (bad) return [{ error: `ERR ${bad[0]} is not allowed over REST` }];
  const tx = redis.multi();
  for (const [name, ...args] of cmds) tx.callBuffer(name, ...args);
  // EXECABORT (a command that could not be queued) rejects: the caller answers 400.
  const res = await tx.exec();
  if (!res) throw new ReplyError("EXECABORT transaction aborted");
  return res.map(([err, value]) => err ? { error: err.message } : { result: value as Json });
}

/** Replies as JSON: bytes as base64 or UTF-8, HGETALL's object back to a flat array. */
function encode(v: unknown, base64: boolean): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (v instanceof Uint8Array) {
    return base64 ? Buffer.from(v).toString("base64") : new TextDecoder().decode(v);
  }
  if (typeof v === "string") return encode(new TextEncoder().encode(v), base64);
  if (v instanceof Error) return encode(v.message, base64);
  if (Array.isArray(v)) return v.map((x) => encode(x, base64));
  if (typeof v === "object") {
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [
      encode(k, base64),
      encode(x, base64),
    ]);
  }
  return encode(String(v), base64);
}

if (import.meta.main) {
  const token = Deno.env.get("REDIS_REST_TOKEN");
  if (!token) {
    console.error("set REDIS_REST_TOKEN to the token clients must present");
    Deno.exit(2);
  }
  const rest = await startRedisRest({
    redisUrl: Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379",
    token,
    port: Number(Deno.args[0] ?? 8079),
  });
  console.log(`Redis REST on ${rest.url} (loopback only)`);
}
