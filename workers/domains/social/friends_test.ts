/** Friends on the tx lane through the real batch processor: every change, its pushes and refusals. */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { socialRig } from "./fixtures.ts";

Deno.test("friends: request, accept, remark, delete; both sides' devices hear each change", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const rig = socialRig(env);
    await rig.online(alice, bob);
    const req = await rig.ask(alice, "friend.request", { userId: bob, message: "hi, it's alice" });
    assert.equal(req.type, "friend.changed");
    assert.deepEqual([req.data.kind, req.data.userId, req.data.by], ["requested", bob, alice]);
    assert.equal(req.data.request.message, "hi, it's alice");
    assert.equal(req.data.request.user.username, "bob", "the asker sees the addressee");
    const atBob = (await rig.pushed(bob, "main", "friend.changed"))[0].data;
    assert.deepEqual([atBob.kind, atBob.userId, atBob.request.user.username], [
      "requested",
      alice,
      "alice",
    ]);
    assert.equal((await rig.pushed(alice, "other", "friend.changed")).length, 1, "my other device");

    const acc = await rig.ask(bob, "friend.accept", { userId: alice });
    assert.deepEqual([acc.data.kind, acc.data.friend.username, acc.data.friend.remark], [
      "accepted",
      "alice",
      "",
    ]);
    const aliceSees = (await rig.pushed(alice, "main", "friend.changed")).at(-1)!.data;
    assert.deepEqual([aliceSees.kind, aliceSees.friend.userId], ["accepted", bob]);
    assert.equal(
      await env.db.selectFrom("friend_requests").select("from_id").executeTakeFirst(),
      undefined,
    );

    const rem = await rig.ask(alice, "friend.remark", { userId: bob, remark: "  Bobby  " });
    assert.deepEqual([rem.data.kind, rem.data.friend.remark], ["remark", "Bobby"]);
    assert.equal(
      (await rig.pushed(bob, "main", "friend.changed")).filter((f) => f.data.kind === "remark")
        .length,
      0,
      "a remark is private",
    );
    assert.equal((await rig.pushed(alice, "other")).at(-1)!.data.kind, "remark");

    const list = await rig.ask(alice, "friend.list", {});
    assert.deepEqual(
      list.data.friends.map((f: { userId: string; remark: string }) => [f.userId, f.remark]),
      [[bob, "Bobby"]],
    );
    assert.equal((await rig.ask(bob, "friend.list", {})).data.friends[0].remark, "");

    const del = await rig.ask(bob, "friend.delete", { userId: alice });
    assert.equal(del.data.kind, "deleted");
    assert.equal((await rig.pushed(alice, "main")).at(-1)!.data.kind, "deleted");
    assert.deepEqual((await rig.ask(alice, "friend.list", {})).data.friends, []);
  } finally {
    await env.close();
  }
});

Deno.test("friends: decline, cancel, and a request both ways becomes a friendship", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const rig = socialRig(env);
    await rig.online(alice, bob, carol);
    await rig.ask(alice, "friend.request", { userId: bob });
    assert.equal((await rig.ask(bob, "friend.decline", { userId: alice })).data.kind, "declined");
    assert.equal((await rig.pushed(alice, "main")).at(-1)!.data.kind, "declined");
    await rig.ask(alice, "friend.request", { userId: carol });
    const out = await rig.ask(alice, "friend.requests", { direction: "out" });
    assert.deepEqual(out.data.requests.map((r: { to: string }) => r.to), [carol]);
    assert.equal((await rig.ask(alice, "friend.cancel", { userId: carol })).data.kind, "cancelled");
    assert.equal((await rig.pushed(carol, "main")).at(-1)!.data.kind, "cancelled");
    assert.deepEqual(
      (await rig.ask(carol, "friend.requests", { direction: "in" })).data.requests,
      [],
    );

    await rig.ask(bob, "friend.request", { userId: carol });
    const both = await rig.ask(carol, "friend.request", { userId: bob, message: "you too" });
    assert.equal(both.data.kind, "accepted", "they asked first: this accepts");
    assert.equal((await rig.pushed(bob, "main")).at(-1)!.data.kind, "accepted");
    const rows = await env.db.selectFrom("friendships").select(["user_id", "friend_id"]).execute();
    assert.equal(rows.length, 2);
    assert.equal(
      await env.db.selectFrom("friend_requests").select("from_id").executeTakeFirst(),
      undefined,
    );
  } finally {
    await env.close();
  }
});

Deno.test("friends: bad requests get their documented error and change nothing", async () => {
  const env = await testEnv({ remarkMaxChars: 5, friendRequestMaxChars: 10 });
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const rig = socialRig(env);
    await rig.online(alice, bob, carol);
    const code = async (u: string, type: string, data: unknown) => {
      const r = await rig.ask(u, type, data);
      assert.equal(r.type, "error", `${type} ${JSON.stringify(data)}`);
      return r.data.code;
    };
    await rig.ask(alice, "friend.request", { userId: bob });
    const before = await snapshot();
    assert.equal(await code(alice, "friend.request", { userId: alice }), ErrorCode.SELF_TARGET);
    assert.equal(await code(alice, "friend.request", { userId: "999999" }), ErrorCode.NO_SUCH_USER);
    assert.equal(await code(alice, "friend.request", { userId: bob }), ErrorCode.REQUEST_PENDING);
    assert.equal(
      await code(alice, "friend.request", { userId: carol, message: "x".repeat(11) }),
      ErrorCode.REQUEST_MESSAGE_LENGTH,
    );
    assert.equal(await code(carol, "friend.accept", { userId: alice }), ErrorCode.NO_SUCH_REQUEST);
    assert.equal(
      await code(alice, "friend.accept", { userId: bob }),
      ErrorCode.NO_SUCH_REQUEST,
      "not your request to accept",
    );
    assert.equal(await code(carol, "friend.decline", { userId: bob }), ErrorCode.NO_SUCH_REQUEST);
    assert.equal(
      await code(bob, "friend.cancel", { userId: alice }),
      ErrorCode.NO_SUCH_REQUEST,
      "only the asker cancels",
    );
    assert.equal(await code(alice, "friend.delete", { userId: carol }), ErrorCode.NOT_FRIENDS);
    assert.equal(
      await code(alice, "friend.remark", { userId: carol, remark: "c" }),
      ErrorCode.NOT_FRIENDS,
    );
    assert.deepEqual(await snapshot(), before, "nothing changed");

    await rig.ask(bob, "friend.accept", { userId: alice });
    assert.equal(await code(alice, "friend.request", { userId: bob }), ErrorCode.ALREADY_FRIENDS);
    assert.equal(
      await code(alice, "friend.remark", { userId: bob, remark: "toolong" }),
      ErrorCode.REMARK_LENGTH,
    );
    assert.equal(
      await code(alice, "friend.remark", { userId: bob, remark: "a\u0007" }),
      ErrorCode.REMARK_LENGTH,
    );
    const row = await env.db.selectFrom("friendships").select("remark").where("user_id", "=", alice)
      .executeTakeFirstOrThrow();
    assert.equal(row.remark, "");
    // A remark of emoji counts characters, not UTF-16 units.
    assert.equal(
      (await rig.ask(alice, "friend.remark", { userId: bob, remark: "😀😀😀😀😀" })).type,
      "friend.changed",
    );
  } finally {
    await env.close();
  }

  async function snapshot() {
    return [
      await env.db.selectFrom("friend_requests").selectAll().orderBy("from_id").execute(),
      await env.db.selectFrom("friendships").selectAll().orderBy("user_id").execute(),
    ];
  }
});

Deno.test("friends: lists page with signed cursors; altered or foreign cursors are refused", async () => {
  const env = await testEnv();
  try {
    const users = await createUsers(env, "me", ...Array.from({ length: 7 }, (_, i) => `f${i}`));
    const [me, ...others] = users;
    const rig = socialRig(env);
    await env.db.insertInto("friendships").values(others.flatMap((o, i) => [
      { user_id: me, friend_id: o, created_at: 1000 + Math.floor(i / 2) }, // ties on time
      { user_id: o, friend_id: me, created_at: 1000 },
    ])).execute();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await rig.ask(me, "friend.list", { limit: 3, ...(cursor ? { cursor } : {}) });
      assert.equal(p.type, "friend.page");
      seen.push(...p.data.friends.map((f: { userId: string }) => f.userId));
      cursor = p.data.cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), [...others].sort(), "each friend once");
    const first = await rig.ask(me, "friend.list", { limit: 3 });
    const good: string = first.data.cursor;
    const [payload, mac] = good.split(".");
    const flipped = mac[0] === "A" ? "B" + mac.slice(1) : "A" + mac.slice(1);
    const forged = btoa(JSON.stringify([9999, others[0]])).replaceAll("=", "");
    for (const bad of [`${payload}.${flipped}`, `${forged}.${mac}`, payload, `${good}.x`, "x.y"]) {
      const r = await rig.ask(me, "friend.list", { cursor: bad });
      assert.equal(r.data.code, ErrorCode.PAGE_CURSOR_INVALID, bad);
    }
    // Another user's cursor, and the same user's cursor of another list.
    const theirs = await rig.ask(others[0], "friend.list", { cursor: good });
    assert.equal(theirs.data.code, ErrorCode.PAGE_CURSOR_INVALID);
    const otherList = await rig.ask(me, "block.list", { cursor: good });
    assert.equal(otherList.data.code, ErrorCode.PAGE_CURSOR_INVALID);
  } finally {
    await env.close();
  }
});
