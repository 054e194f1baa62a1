import assert from "node:assert/strict";
import { ErrorCode, HttpError, NetworkError } from "./errors.ts";
import { AuthApi, type FetchFn } from "./http.ts";

function fakeFetch(status: number, body: unknown, seen: Request[] = []): FetchFn {
  return (url, init) => {
    seen.push(new Request(url, init));
    return Promise.resolve(
      new Response(body === null ? null : JSON.stringify(body), {
        status,
        headers: { "retry-after": "7" },
      }),
    );
  };
}

Deno.test("login posts JSON and returns the session body", async () => {
  const seen: Request[] = [];
  const api = new AuthApi("http://gw/", fakeFetch(200, { userId: "1", accessToken: "a" }, seen));
  const r = await api.login({ username: "alice", password: "pw" });
  assert.equal(r.userId, "1");
  assert.equal(seen[0].url, "http://gw/v1/auth/login");
  assert.deepEqual(await seen[0].json(), { username: "alice", password: "pw" });
});

Deno.test("error bodies become HttpError with the server's code", async () => {
  const api = new AuthApi(
    "http://gw",
    fakeFetch(429, { error: { code: ErrorCode.TOO_MANY_ATTEMPTS, message: "slow" } }),
  );
  await assert.rejects(
    api.login({ username: "a", password: "b" }),
    (e) => e instanceof HttpError && e.status === 429 && e.retryAfterSec === 7 && e.code === 2005,
  );
});

Deno.test("bearer calls carry the token; no network is a NetworkError", async () => {
  const seen: Request[] = [];
  await new AuthApi("http://gw", fakeFetch(204, null, seen)).logout("tok");
  assert.equal(seen[0].headers.get("authorization"), "Bearer tok");
  const down = new AuthApi("http://gw", () => Promise.reject(new TypeError("refused")));
  await assert.rejects(down.userById("t", "1"), NetworkError);
});
