/**
 * A harness for group tests on the real stores: frames from users run through the real batch
 * processor (tx), read lane and ephemeral lane, and each reply is found on the result stream by
 * its request id. Each harness writes to its own gateway stream, so tests sharing a database
 * stay apart.
 */
import type { TestEnv } from "@im/shared/testing";
import { encodeEnvelope, type Envelope, ENVELOPE_FIELD } from "@im/shared/wire";
import { createLogger } from "@im/shared/log";
import { Counter } from "@im/shared/metrics";
import type { Entry } from "../../context.ts";
import { EphemeralLane } from "../../consumer/ephemeral.ts";
import { handlers } from "../mod.ts";
import { envelope, processorFor, resultFrames, serveReads } from "../../test_support.ts";

// deno-lint-ignore no-explicit-any
export type Frame = { type: string; id?: string; data: any };

let n = 0;
const nextId = () => `q${++n}`;
let entrySeq = 0;

export class Harness {
  readonly processor;
  readonly routes;
  readonly publisher;

  constructor(readonly env: TestEnv, readonly gw = `gw-${crypto.randomUUID().slice(0, 8)}`) {
    const p = processorFor(env);
    this.processor = p.processor;
    this.routes = p.routes;
    this.publisher = p.publisher;
  }

  conn(userId: string) {
    return { connId: `c-${userId}`, gatewayId: this.gw };
  }

  envOf(userId: string, type: string, data: unknown, id = nextId()): Envelope {
    return envelope(userId, { type, id, data } as Envelope["frame"], this.conn(userId));
  }

  /** Runs these frames as one transactional batch; returns each one's reply, in order. */
  async batch(frames: Array<[user: string, type: string, data: unknown]>): Promise<Frame[]> {
    const envs = frames.map(([u, t, d]) => this.envOf(u, t, d));
    const entries = envs.map((e) =>
      ({ id: `${Date.now()}-${entrySeq++}`, partition: 0, env: e }) as Entry
    );
    await this.processor.process(this.env.keys.partition(0), 0, 1, entries);
    return await this.replies(envs);
  }

  async tx(user: string, type: string, data: unknown): Promise<Frame> {
    return (await this.batch([[user, type, data]]))[0];
  }

  async read(user: string, type: string, data: unknown): Promise<Frame> {
    const e = this.envOf(user, type, data);
    await serveReads(this.env, [e]);
    return (await this.replies([e]))[0];
  }

  /** Ephemeral frames through a real ephemeral lane (one read's worth). */
  async ephemeral(frames: Array<[user: string, type: string, data: unknown]>): Promise<Envelope[]> {
    const envs = frames.map(([u, t, d]) => this.envOf(u, t, d));
    const log = createLogger("error");
    const lane = new EphemeralLane({
      reader: this.env.redis,
      redis: this.env.redis,
      keys: this.env.keys,
      routes: this.routes,
      stream: this.env.keys.ephemeral(),
      workerId: "test",
      db: this.env.db,
      handlers: handlers.ephemeral,
      publisher: this.publisher,
      config: this.env.config,
      log,
      processed: new Counter("e", "e"),
    });
    await lane.serve(
      envs.map((e, i) => [`${Date.now()}-${i}`, [ENVELOPE_FIELD, encodeEnvelope(e)]]),
    );
    return envs;
  }

  /** Every frame on this harness's gateway stream, with the connections it went to. */
  frames(): Promise<Array<{ conns: string[]; frame: Frame }>> {
    return resultFrames(this.env, this.gw);
  }

  /** Frames that reached one user's connection (`c-<userId>`), optionally of one type. */
  async framesTo(userId: string, type?: string): Promise<Frame[]> {
    return (await this.frames()).filter((f) =>
      f.conns.includes(`c-${userId}`) && (!type || f.frame.type === type)
    ).map((f) => f.frame);
  }

  async replies(envs: Envelope[]): Promise<Frame[]> {
    const all = await this.frames();
    return envs.map((e) => {
      const r = all.find((f) => f.frame.id === e.frame.id && f.conns.includes(e.connId));
      if (!r) throw new Error(`no reply to ${e.frame.type} ${e.frame.id}`);
      return r.frame;
    });
  }

  /** Puts a user's device online on this harness's gateway (its connection is `c-<userId>`). */
  async online(...userIds: string[]): Promise<void> {
    for (const u of userIds) {
      await this.routes.set(u, { deviceId: "d1", gatewayId: this.gw, connId: `c-${u}` });
    }
  }
}

/** A group made through group.create; returns its conversation id. */
export async function makeGroup(
  h: Harness,
  owner: string,
  members: string[],
  opts: { joinPolicy?: "open" | "approval" | "invite"; name?: string } = {},
): Promise<string> {
  const r = await h.tx(owner, "group.create", {
    clientKey: nextId(),
    name: opts.name ?? "team",
    members,
    ...(opts.joinPolicy ? { joinPolicy: opts.joinPolicy } : {}),
  });
  if (r.type !== "group.info") throw new Error(`group.create: ${JSON.stringify(r)}`);
  return r.data.conversationId;
}

export const text = (conversationId: string, body = "hi", extra: Record<string, unknown> = {}) => ({
  conversationId,
  clientMsgId: nextId(),
  kind: "text",
  body,
  ...extra,
});

/** The inbox entries of one message: who got one, at which (partition, position). */
export async function inboxEntries(env: TestEnv, conversationId: string, seq: number) {
  const rows = await env.db.selectFrom("inbox as i")
    .innerJoin(
      "inbox_messages as x",
      (j) => j.onRef("x.part", "=", "i.part").onRef("x.pos", "=", "i.pos"),
    )
    .select(["i.user_id", "i.part", "i.pos"])
    .where("x.conversation_id", "=", conversationId).where("x.seq", "=", seq).execute();
  return rows.map((r) => ({ userId: String(r.user_id), at: `${r.part}:${r.pos}` }));
}
