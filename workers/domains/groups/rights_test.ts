/**
 * Every group management action and message operation, by every kind of actor, against the real
 * worker and stores: allowed, a no-op, or the documented error (docs/PROTOCOL.md, "Who may do
 * what"). Each case runs on a fresh group, so one case's effect never decides another's.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { type Frame, Harness, makeGroup, text } from "./test_support.ts";

const ACTORS = [
  "owner",
  "admin",
  "member",
  "muted",
  "outsider",
  "former",
  "kicked",
  "dissolved",
] as const;
type Actor = typeof ACTORS[number];
type Expect = "ok" | "noop" | "pending" | keyof typeof ErrorCode;

interface Fixture {
  g: string;
  u: Record<string, string>;
  /** The seq of each user's own message (sent before they were muted, removed...). */
  own: Record<string, number>;
  msgId: Record<string, string>;
}

type Op = (f: Fixture, actor: string) => [lane: "tx" | "read", type: string, data: unknown];

const OPS: Record<string, Op> = {
  update: (f) => ["tx", "group.update", { conversationId: f.g, name: "renamed" }],
  invite: (f) => ["tx", "group.invite", { conversationId: f.g, userIds: [f.u.invitee] }],
  join: (f) => ["tx", "group.join", { conversationId: f.g }],
  approve: (f) => ["tx", "group.approve", { conversationId: f.g, userId: f.u.requester }],
  decline: (f) => ["tx", "group.decline", { conversationId: f.g, userId: f.u.requester }],
  kick: (f) => ["tx", "group.kick", { conversationId: f.g, userIds: [f.u.target] }],
  leave: (f) => ["tx", "group.leave", { conversationId: f.g }],
  dissolve: (f) => ["tx", "group.dissolve", { conversationId: f.g }],
  transfer: (f) => ["tx", "group.transfer", { conversationId: f.g, userId: f.u.target }],
  role: (f) => ["tx", "group.role", { conversationId: f.g, userId: f.u.target, role: "admin" }],
  mute: (f) => [
    "tx",
    "group.mute",
    { conversationId: f.g, userId: f.u.target, until: Date.now() + 60_000 },
  ],
  muteAll: (f) => ["tx", "group.muteAll", { conversationId: f.g, muted: true }],
  send: (f) => ["tx", "msg.send", text(f.g)],
  recallOwn: (f, a) => ["tx", "msg.recall", { msgId: f.msgId[a] ?? f.msgId[f.u.target] }],
  recallOthers: (f) => ["tx", "msg.recall", { msgId: f.msgId[f.u.target] }],
  read: (f) => ["tx", "msg.read", { conversationId: f.g, seq: 1 }],
  history: (f) => ["read", "history", { conversationId: f.g }],
  info: (f) => ["read", "group.info", { conversationId: f.g }],
  members: (f) => ["read", "group.members", { conversationId: f.g }],
  receipts: (f, a) => [
    "read",
    "group.receipts",
    { conversationId: f.g, seqs: [f.own[a] ?? 1] },
  ],
};

const F = "FORBIDDEN", NF = "NOT_FOUND", GD = "GROUP_DISSOLVED";
// owner, admin, member, muted member, non-member, former member, kicked member, dissolved group
const TABLE: Record<keyof typeof OPS, Expect[]> = {
  update: ["ok", "ok", F, F, NF, NF, NF, GD],
  invite: ["ok", "ok", F, F, NF, NF, NF, GD],
  join: ["noop", "noop", "noop", "noop", "pending", "pending", "pending", GD],
  approve: ["ok", "ok", F, F, NF, NF, NF, GD],
  decline: ["noop", "noop", F, F, NF, NF, NF, GD],
  kick: ["ok", "ok", F, F, NF, NF, NF, GD],
  leave: ["OWNER_CANNOT_LEAVE", "ok", "ok", "ok", NF, "noop", "noop", GD],
  dissolve: ["ok", F, F, F, NF, NF, NF, GD],
  transfer: ["ok", F, F, F, NF, NF, NF, GD],
  role: ["ok", F, F, F, NF, NF, NF, GD],
  mute: ["ok", "ok", F, F, NF, NF, NF, GD],
  muteAll: ["ok", "ok", F, F, NF, NF, NF, GD],
  send: ["ok", "ok", "ok", "MUTED", NF, NF, NF, GD],
  recallOwn: ["ok", "ok", "ok", "ok", NF, NF, NF, GD],
  recallOthers: ["ok", "ok", "NOT_SENDER", "NOT_SENDER", NF, NF, NF, GD],
  read: ["ok", "ok", "ok", "ok", NF, "ok", "ok", "ok"],
  history: ["ok", "ok", "ok", "ok", NF, "ok", "ok", "ok"],
  info: ["ok", "ok", "ok", "ok", NF, "ok", "ok", "ok"],
  members: ["ok", "ok", "ok", "ok", NF, NF, NF, GD],
  receipts: ["ok", "ok", "ok", "ok", NF, NF, NF, GD],
};

/** A fresh group: every kind of actor, a target member, a pending join request. */
async function fixture(h: Harness, u: Record<string, string>, dissolve: boolean): Promise<Fixture> {
  const inside = ["admin", "member", "muted", "former", "kicked", "target"].map((k) => u[k]);
  const g = await makeGroup(h, u.owner, inside, { joinPolicy: "approval" });
  const senders = [u.owner, ...inside];
  const sent = await h.batch(senders.map((s) => [s, "msg.send", text(g)]));
  const own: Record<string, number> = {}, msgId: Record<string, string> = {};
  senders.forEach((s, i) => {
    own[s] = sent[i].data.seq;
    msgId[s] = sent[i].data.msgId;
  });
  const setup = await h.batch([
    [u.owner, "group.role", { conversationId: g, userId: u.admin, role: "admin" }],
    [u.owner, "group.mute", { conversationId: g, userId: u.muted, until: Date.now() + 3_600_000 }],
    [u.former, "group.leave", { conversationId: g }],
    [u.owner, "group.kick", { conversationId: g, userIds: [u.kicked] }],
    [u.requester, "group.join", { conversationId: g }],
  ]);
  for (const r of setup) assert.equal(r.type, "group.ok", JSON.stringify(r));
  if (dissolve) {
    assert.equal((await h.tx(u.owner, "group.dissolve", { conversationId: g })).type, "group.ok");
  }
  return { g, u, own, msgId };
}

function outcome(r: Frame): Expect {
  if (r.type === "error") {
    const name = Object.entries(ErrorCode).find(([, c]) => c === r.data.code)?.[0];
    return (name ?? `code ${r.data.code}`) as Expect;
  }
  if (r.type === "group.ok" && r.data.pending) return "pending";
  if (r.type === "group.ok" && r.data.noticeSeq === null) return "noop";
  return "ok";
}

Deno.test("rights: every action × every kind of actor is allowed, a no-op, or its documented error", async () => {
  const env = await testEnv();
  try {
    const names = [
      "owner",
      "admin",
      "member",
      "muted",
      "outsider",
      "former",
      "kicked",
      "target",
      "invitee",
      "requester",
    ];
    const ids = await createUsers(env, ...names);
    const u = Object.fromEntries(names.map((k, i) => [k, ids[i]]));
    const failures: string[] = [];
    let cases = 0;
    for (const [op, expected] of Object.entries(TABLE)) {
      for (const [i, actor] of ACTORS.entries()) {
        const h = new Harness(env);
        const f = await fixture(h, u, actor === "dissolved");
        const who = actor === "dissolved" ? u.member : u[actor as Exclude<Actor, "dissolved">];
        const [lane, type, data] = OPS[op](f, who);
        const reply = lane === "tx" ? await h.tx(who, type, data) : await h.read(who, type, data);
        const got = outcome(reply);
        cases++;
        if (got !== expected[i]) {
          failures.push(`${op} by ${actor}: expected ${expected[i]}, got ${got}`);
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases} cases differ`);
    assert.equal(cases, Object.keys(TABLE).length * ACTORS.length);
  } finally {
    await env.close();
  }
});
