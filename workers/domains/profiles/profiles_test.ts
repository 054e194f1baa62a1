import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { socialRig } from "../social/fixtures.ts";
import { checkProfile } from "./profiles.ts";

Deno.test("profile check: nickname, avatar URL and bio limits (pure)", () => {
  const bad = (c: Parameters<typeof checkProfile>[0]) => {
    const r = checkProfile(c, 10);
    return r instanceof PermanentError ? r.code : null;
  };
  for (
    const c of [
      { nickname: "   " },
      { nickname: "x".repeat(65) },
      { nickname: "a\u0000b" },
      { avatarUrl: "javascript:alert(1)" },
      { avatarUrl: "not a url" },
      { avatarUrl: `https://x.test/${"a".repeat(600)}` },
      { bio: "x".repeat(11) },
      { bio: "tab\there" },
    ]
  ) {
    assert.equal(bad(c), ErrorCode.PROFILE_INVALID, JSON.stringify(c));
  }
  assert.deepEqual(checkProfile({ nickname: "  Ann  ", bio: "two\nlines", avatarUrl: "" }, 10), {
    nickname: "Ann",
    bio: "two\nlines",
    avatarUrl: "",
  });
  assert.equal(bad({ bio: "😀".repeat(10) }), null, "characters, not UTF-16 units");
});

Deno.test("profiles: update reaches my other devices; anyone reads the public part, never the settings", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const rig = socialRig(env);
    await rig.online(alice, bob);
    const me = await rig.ask(alice, "profile.update", {
      nickname: "Alice A.",
      avatarUrl: "https://img.example/a.png",
      bio: "hello",
    });
    assert.deepEqual(me.data, {
      userId: alice,
      username: "alice",
      nickname: "Alice A.",
      avatarUrl: "https://img.example/a.png",
      bio: "hello",
      dmPolicy: "everyone",
    });
    assert.deepEqual((await rig.pushed(alice, "other", "profile.me"))[0].data, me.data);
    assert.equal((await rig.pushed(bob, "main")).length, 0);
    const seen = await rig.ask(bob, "profile.get", { userIds: [alice, "999999"] });
    assert.deepEqual(seen.data.profiles, [{
      userId: alice,
      username: "alice",
      nickname: "Alice A.",
      avatarUrl: "https://img.example/a.png",
      bio: "hello",
    }]);
    const refused = await rig.ask(alice, "profile.update", { bio: "x".repeat(500) });
    assert.equal(refused.data.code, ErrorCode.PROFILE_INVALID);
    assert.equal((await rig.ask(alice, "profile.mine", {})).data.bio, "hello", "unchanged");
  } finally {
    await env.close();
  }
});
