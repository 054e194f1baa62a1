import assert from "node:assert/strict";
import { ConfigError } from "@im/shared/config";
import { IceServers, parseIceServers } from "./ice.ts";

Deno.test("ice: ICE_SERVERS as a URL list or JSON; anything else stops the start", () => {
  assert.deepEqual(parseIceServers(""), []);
  assert.deepEqual(parseIceServers("stun:127.0.0.1:3478, turn:127.0.0.1:3478?transport=udp"), [
    { urls: ["stun:127.0.0.1:3478"] },
    { urls: ["turn:127.0.0.1:3478?transport=udp"] },
  ]);
  assert.deepEqual(
    parseIceServers('[{"urls":"turn:t.example:3478","username":"u","credential":"p"}]'),
    [{ urls: ["turn:t.example:3478"], username: "u", credential: "p" }],
  );
  for (const bad of ["http://x", "[{}]", '[{"urls":[1]}]', "{", '{"urls":"stun:x"}']) {
    assert.throws(() => parseIceServers(bad), ConfigError, bad);
  }
});

Deno.test("ice: TURN servers without credentials get coturn REST credentials per user", async () => {
  const ice = new IceServers("stun:s.example:3478,turn:t.example:3478", "s3cret", 3600);
  const now = (1_800_000_000 - 3600) * 1000;
  const servers = await ice.for("42", now);
  assert.deepEqual(servers[0], { urls: ["stun:s.example:3478"] });
  // The same as: echo -n "1800000000:42" | openssl dgst -sha1 -hmac s3cret -binary | base64
  assert.deepEqual(servers[1], {
    urls: ["turn:t.example:3478"],
    username: "1800000000:42",
    credential: "o01KfGcsAEDr1+kvkxKB2wBAbfg=",
  });
  const none = new IceServers("turn:t.example:3478", "", 3600);
  assert.deepEqual(
    await none.for("42", now),
    [{ urls: ["turn:t.example:3478"] }],
    "no secret: as configured",
  );
});
