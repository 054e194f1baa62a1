/**
 * Users and connections: the run's users (registered over HTTP, or inserted with SQL where no
 * gateway may carry argon2's buffers) and one spec per connection with a minted access token.
 */
import { createDb } from "@im/shared/db";
import { signAccessToken } from "../../gateway/auth/tokens.ts";
import type { ConnSpec } from "./load_types.ts";
import { readerCount } from "./options.ts";
import type { Gateway, Run } from "./system.ts";

const PASSWORD = "bench-password-1";

/**
 * The pair users first (`users` of them), then the history probe's reader users. Floor (no
 * gateway) and idle (the gateway's memory must not carry argon2's 19 MiB hashing buffers into
 * the baseline) insert them directly; e2e registers them over HTTP.
 */
export async function createUsers(run: Run, gateways: Gateway[]): Promise<string[]> {
  const { o } = run;
  const n = o.users + readerCount(o);
  const names = Array.from({ length: n }, (_, i) => `b${run.runId}_${i}`);
  if (o.mode === "floor" || o.mode === "idle") return await insertUsers(run.mysqlUrl, names);
  const ports = gateways.map((g) => g.port);
  const ids = await registerUsers(ports, names);
  await checkLogin(ports[0], names[0], ids[0]);
  return ids;
}

async function insertUsers(mysqlUrl: string, names: string[]): Promise<string[]> {
  const db = createDb(mysqlUrl, 1);
  try {
    for (let i = 0; i < names.length; i += 500) {
      await db.insertInto("users").values(
        names.slice(i, i + 500).map((username) => ({
          username,
          password_hash: "-",
          nickname: username,
          created_at: Date.now(),
        })),
      ).execute();
    }
    const rows = await db.selectFrom("users").select(["id", "username"])
      .where("username", "in", names).execute();
    const byName = new Map(rows.map((r) => [r.username, String(r.id)]));
    return names.map((n) => byName.get(n)!);
  } finally {
    await db.destroy();
  }
}

/** Registration hashes a password (argon2id, ~70 ms of gateway CPU): a few at a time per gateway. */
async function registerUsers(ports: number[], names: string[]): Promise<string[]> {
  const ids: string[] = new Array(names.length);
  let next = 0;
  await Promise.all(Array.from({ length: ports.length * 2 }, async (_, w) => {
    const port = ports[w % ports.length];
    while (next < names.length) {
      const i = next++;
      const res = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: names[i], password: PASSWORD }),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(body)}`);
      ids[i] = String(body.userId);
    }
  }));
  return ids;
}

/** One real login checks the flow the minted tokens stand in for. */
async function checkLogin(port: number, username: string, userId: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.userId !== userId || !body.wsUrl) {
    throw new Error(`login: ${res.status} ${JSON.stringify(body)}`);
  }
}

/** A connection spec and the generator process it belongs to. */
export type PlannedConn = ConnSpec & { group: number };

/**
 * Conn i (of `conns`) is device i/users of user i%users; pairs (2k, 2k+1) talk. The reader
 * connections come after them, one per reader user, also in pairs. Both sides of a pair live in
 * one generator: latency needs the sender's clock entry.
 */
export async function planConnections(
  run: Run,
  userIds: string[],
  gateways: Gateway[],
): Promise<PlannedConn[]> {
  const { o } = run;
  const plan: Array<{ u: number; device: number; reader?: true }> = [];
  for (let i = 0; i < o.conns; i++) plan.push({ u: i % o.users, device: Math.floor(i / o.users) });
  for (let r = 0; r < readerCount(o); r++) plan.push({ u: o.users + r, device: 0, reader: true });
  return await Promise.all(plan.map(async (p, i): Promise<PlannedConn> => {
    const gw = gateways.length ? gateways[i % gateways.length] : null;
    return {
      userId: userIds[p.u],
      partner: userIds[p.u ^ 1],
      hostname: `127.0.0.${1 + (i % o.hosts)}`,
      port: gw?.port ?? 0,
      token: o.mode === "floor" ? "" : await mintToken(run, userIds[p.u], `bench${i}`),
      device: p.device,
      ...(p.reader ? { reader: true as const } : {}),
      group: (p.u >> 1) % o.procs,
    };
  }));
}

/**
 * Minted with the run's JWT secret, one device id per connection: a login per connection costs
 * another argon2 verify and is not what is measured.
 */
async function mintToken(run: Run, userId: string, deviceId: string): Promise<string> {
  const minted = await signAccessToken(run.jwtSecret, {
    jwtIssuer: "im",
    jwtAudience: "im-clients",
    accessTtlSec: 86400,
  }, {
    userId,
    deviceId,
    sessionId: crypto.getRandomValues(new Uint8Array(16)).toHex(),
  });
  return minted.token;
}
