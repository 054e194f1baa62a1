/**
 * Group management on the real worker and stores: the lifecycle and its notices, and bad input
 * (each gets its documented error or a no-op, and nothing half-done is stored).
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { Harness, makeGroup, text } from "./test_support.ts";

const code = (r: { type: string; data: { code?: number } }) =>
  r.type === "error" ? r.data.code : r.type;

Deno.test("groups: create, invite, roles, mute, transfer, leave and dissolve, each a notice with its own seq", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol, dave] = await createUsers(env, "alice", "bob", "carol", "dave");
    const h = new Harness(env);
    await h.online(alice, bob, carol, dave);
    const g = await makeGroup(h, alice, [bob, carol], { name: "crew" });
    const created = (await h.framesTo(bob, "msg.new"))[0];
    assert.equal(created.data.kind, "notice");
    assert.deepEqual(created.data.notice.event, "created");
    assert.deepEqual([created.data.seq, created.data.body], [1, ""]);
    assert.deepEqual(created.data.notice.users, [bob, carol]);

    const steps: Array<[string, string, unknown, string]> = [
      [alice, "group.invite", { conversationId: g, userIds: [dave] }, "invited"],
      [alice, "group.role", { conversationId: g, userId: bob, role: "admin" }, "promoted"],
      [
        bob,
        "group.mute",
        { conversationId: g, userId: carol, until: Date.now() + 60_000 },
        "muted",
      ],
      [bob, "group.update", { conversationId: g, announcement: "read the rules" }, "updated"],
      [alice, "group.transfer", { conversationId: g, userId: bob }, "transferred"],
      [dave, "group.leave", { conversationId: g }, "left"],
      [bob, "group.dissolve", { conversationId: g }, "dissolved"],
    ];
    for (const [who, type, data, event] of steps) {
      const r = await h.tx(who, type, data);
      assert.equal(r.type, "group.ok", `${type}: ${JSON.stringify(r)}`);
      const notice = (await h.framesTo(alice, "msg.new")).find((f) =>
        f.data.seq === r.data.noticeSeq
      );
      assert.equal(notice?.data.notice.event, event, type);
    }
    const seqs =
      (await env.db.selectFrom("messages").select(["seq", "kind"]).where("conversation_id", "=", g)
        .orderBy("seq").execute()).map((m) => [Number(m.seq), m.kind]);
    assert.deepEqual(
      seqs,
      [1, 2, 3, 4, 5, 6, 7, 8].map((s) => [s, "notice"]),
      "one seq per change, no gaps",
    );
    const info = await h.read(alice, "group.info", { conversationId: g });
    assert.deepEqual([info.data.dissolved, info.data.role, info.data.ownerId], [true, null, bob]);
    assert.equal(info.data.announcement, "read the rules");
    // The member who left heard of everything up to their own leaving, not of the dissolution.
    const daves = (await h.framesTo(dave, "msg.new")).map((f) => f.data.notice.event);
    assert.deepEqual(daves, ["invited", "promoted", "muted", "updated", "transferred", "left"]);
  } finally {
    await env.close();
  }
});

Deno.test("groups: bad input gets its error and stores nothing; repeats are no-ops", async () => {
  const env = await testEnv({ groupMaxMembers: 4, groupNameMaxChars: 10 });
  try {
    const [alice, bob, carol, dave, erin] = await createUsers(
      env,
      "alice",
      "bob",
      "carol",
      "dave",
      "erin",
    );
    const h = new Harness(env);
    const create = (data: Record<string, unknown>) =>
      h.tx(alice, "group.create", {
        clientKey: crypto.randomUUID().slice(0, 8),
        members: [],
        name: "ok",
        ...data,
      });
    assert.equal(code(await create({ name: "x".repeat(11) })), ErrorCode.NAME_LENGTH);
    assert.equal(code(await create({ name: "   " })), ErrorCode.NAME_LENGTH);
    assert.equal(
      code(await create({ announcement: "y".repeat(2001) })),
      ErrorCode.ANNOUNCEMENT_LENGTH,
    );
    assert.equal(code(await create({ avatar: "javascript:alert(1)" })), ErrorCode.AVATAR_INVALID);
    assert.equal(code(await create({ members: [bob, "999999"] })), ErrorCode.NO_SUCH_USER);
    assert.equal(code(await create({ members: [bob, carol, dave, erin] })), ErrorCode.GROUP_FULL);
    assert.equal(
      (await env.db.selectFrom("chat_groups").select("conversation_id").execute()).length,
      0,
    );
    assert.equal((await env.db.selectFrom("messages").select("msg_id").execute()).length, 0);

    // The same clientKey answers the same group.
    const once = await h.tx(alice, "group.create", {
      clientKey: "k1",
      name: "one",
      members: [bob],
    });
    const twice = await h.tx(alice, "group.create", {
      clientKey: "k1",
      name: "one",
      members: [bob],
    });
    assert.equal(twice.data.conversationId, once.data.conversationId);
    const g = once.data.conversationId;
    const count = async () =>
      (await env.db.selectFrom("conversation_members").select("user_id").where(
        "conversation_id",
        "=",
        g,
      )
        .where("left_seq", "is", null).execute()).length;

    assert.equal(
      code(await h.tx(alice, "group.invite", { conversationId: g, userIds: [carol, "999999"] })),
      ErrorCode.NO_SUCH_USER,
    );
    assert.equal(await count(), 2, "no half-done invite: carol was not added either");
    assert.equal(
      code(await h.tx(alice, "group.invite", { conversationId: g, userIds: [carol, dave, erin] })),
      ErrorCode.GROUP_FULL,
    );
    assert.equal(await count(), 2);
    const inv = await h.tx(alice, "group.invite", { conversationId: g, userIds: [carol, bob] });
    assert.deepEqual(inv.data.users, [carol], "bob is in already: skipped");
    const again = await h.tx(alice, "group.invite", { conversationId: g, userIds: [carol] });
    assert.deepEqual(
      [again.data.noticeSeq, again.data.users],
      [null, []],
      "the same invite twice is a no-op",
    );

    assert.equal(
      code(
        await h.tx(alice, "group.mute", { conversationId: g, userId: bob, until: Date.now() - 1 }),
      ),
      ErrorCode.MUTE_IN_PAST,
    );
    assert.equal(
      code(
        await h.tx(alice, "group.mute", {
          conversationId: g,
          userId: alice,
          until: Date.now() + 9e5,
        }),
      ),
      ErrorCode.SELF_TARGET,
    );
    assert.equal(
      code(await h.tx(alice, "group.role", { conversationId: g, userId: dave, role: "admin" })),
      ErrorCode.NOT_A_MEMBER,
    );
    assert.equal(
      code(await h.tx(alice, "group.update", { conversationId: g, name: "z".repeat(11) })),
      ErrorCode.NAME_LENGTH,
    );
    assert.equal(
      code(await h.tx(alice, "group.approve", { conversationId: g, userId: dave })),
      ErrorCode.NO_SUCH_JOIN_REQUEST,
    );
    assert.equal(
      code(await h.tx(dave, "group.join", { conversationId: g })),
      ErrorCode.INVITE_ONLY,
    );

    const kick = await h.tx(alice, "group.kick", { conversationId: g, userIds: [carol] });
    assert.equal(typeof kick.data.noticeSeq, "number");
    const kick2 = await h.tx(alice, "group.kick", { conversationId: g, userIds: [carol] });
    assert.equal(kick2.data.noticeSeq, null, "the same kick twice is a no-op");

    // A kick and a leave racing: one batch, serialized; the second finds bob gone.
    const [k, l] = await h.batch([
      [alice, "group.kick", { conversationId: g, userIds: [bob] }],
      [bob, "group.leave", { conversationId: g }],
    ]);
    assert.deepEqual([k.type, l.type], ["group.ok", "group.ok"]);
    assert.equal([k.data.noticeSeq, l.data.noticeSeq].filter((s) => s !== null).length, 1);
    const notices = await env.db.selectFrom("messages").select("body").where(
      "conversation_id",
      "=",
      g,
    ).execute();
    assert.equal(
      notices.filter((n) => /"kicked"|"left"/.test(n.body) && n.body.includes(bob)).length,
      1,
    );
    assert.equal(await count(), 1);
    const row = await env.db.selectFrom("chat_groups").select("member_count").where(
      "conversation_id",
      "=",
      g,
    )
      .executeTakeFirstOrThrow();
    assert.equal(row.member_count, 1, "the count follows the members");

    await h.tx(alice, "group.dissolve", { conversationId: g });
    for (
      const [type, data] of [
        ["group.invite", { conversationId: g, userIds: [dave] }],
        ["group.update", { conversationId: g, name: "again" }],
        ["group.dissolve", { conversationId: g }],
        ["msg.send", text(g)],
      ] as const
    ) {
      assert.equal(code(await h.tx(alice, type, data)), ErrorCode.GROUP_DISSOLVED, type);
    }
    assert.equal(
      code(await h.tx(dave, "group.join", { conversationId: g })),
      ErrorCode.GROUP_DISSOLVED,
    );
  } finally {
    await env.close();
  }
});

Deno.test("groups: join by approval: admins hear of the request, approve admits, decline tells the requester", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol, dave] = await createUsers(env, "alice", "bob", "carol", "dave");
    const h = new Harness(env);
    await h.online(alice, bob, carol, dave);
    const g = await makeGroup(h, alice, [bob], { joinPolicy: "approval" });
    const pending = await h.tx(carol, "group.join", { conversationId: g, message: "let me in" });
    assert.equal(pending.data.pending, true);
    assert.equal((await h.framesTo(alice, "group.request"))[0]?.data.message, "let me in");
    assert.equal((await h.framesTo(bob, "group.request")).length, 0, "members are not asked");
    const reqs = await h.read(alice, "group.requests", { conversationId: g });
    assert.deepEqual(reqs.data.requests.map((r: { userId: string }) => r.userId), [carol]);
    assert.equal(
      (await h.read(bob, "group.requests", { conversationId: g })).data.code,
      ErrorCode.FORBIDDEN,
    );
    await h.tx(alice, "group.approve", { conversationId: g, userId: carol });
    const joined = (await h.framesTo(carol, "msg.new")).map((f) => f.data.notice?.event);
    assert.deepEqual(joined, ["joined"], "carol sees the group from her own join on");
    const hist = await h.read(carol, "history", { conversationId: g });
    assert.deepEqual(hist.data.messages.map((m: { seq: number }) => m.seq), [2]);

    await h.tx(dave, "group.join", { conversationId: g });
    await h.tx(alice, "group.decline", { conversationId: g, userId: dave });
    assert.equal((await h.framesTo(dave, "group.declined"))[0]?.data.by, alice);
    assert.equal(
      (await h.read(dave, "group.info", { conversationId: g })).data.code,
      ErrorCode.NOT_FOUND,
    );

    const open = await makeGroup(h, alice, [], { joinPolicy: "open" });
    assert.equal((await h.tx(dave, "group.join", { conversationId: open })).data.noticeSeq, 2);
    // Members may invite where anyone may join; a page of members lists both.
    assert.equal(
      (await h.tx(dave, "group.invite", { conversationId: open, userIds: [bob] })).type,
      "group.ok",
    );
    const page = await h.read(dave, "group.members", { conversationId: open, limit: 2 });
    assert.equal(page.data.members.length, 2);
    const rest = await h.read(dave, "group.members", {
      conversationId: open,
      after: page.data.next,
    });
    assert.equal(rest.data.members.length, 1);
    assert.equal(rest.data.next, null);
  } finally {
    await env.close();
  }
});
