import assert from "node:assert/strict";
import {
  closeAction,
  CloseCode,
  describeClose,
  describeCode,
  describeError,
  ErrorCode,
  HttpError,
  isTransient,
  NetworkError,
  ServerError,
  TimeoutError,
} from "./errors.ts";

Deno.test("close codes: 40xx reconnect, 4003 refreshes first, 41xx/1002/1007-1009 give up", () => {
  for (const c of [1000, 1001, 1006, 1011, 4000, 4001, 4002, 4099]) {
    assert.equal(closeAction(c), "reconnect", String(c));
  }
  assert.equal(closeAction(CloseCode.TOKEN_EXPIRED), "refresh");
  for (const c of [4100, 4101, 4102, 4199, 1002, 1007, 1008, 1009]) {
    assert.equal(closeAction(c), "stop", String(c));
  }
});

Deno.test("transient codes are the 5xxx and rate limiting", () => {
  assert.ok(isTransient(ErrorCode.UNAVAILABLE));
  assert.ok(isTransient(ErrorCode.RATE_LIMITED));
  assert.ok(!isTransient(ErrorCode.BODY_LENGTH));
  assert.ok(new ServerError(ErrorCode.INTERNAL, "x").transient);
});

Deno.test("errors read as plain sentences", () => {
  assert.equal(
    describeError(
      new HttpError(401, ErrorCode.INVALID_CREDENTIALS, "invalid username or password"),
    ),
    "Wrong username or password.",
  );
  assert.match(describeError(new NetworkError()), /Cannot reach the server/);
  assert.match(describeError(new TimeoutError("history", 10)), /did not answer/);
  assert.equal(describeError(new ServerError(9999, "odd thing")), "Odd thing.");
  assert.match(describeClose(CloseCode.SESSION_REVOKED), /signed out/);
  assert.match(describeClose(4150, "policy"), /policy/);
});

Deno.test("every error code in the protocol registry has plain words of its own", () => {
  const codes = Object.entries(ErrorCode);
  assert.ok(codes.length > 80, "the registry was read");
  for (const [name, code] of codes) {
    const words = describeCode(code);
    assert.ok(words && /^[A-Z].*[.]$/.test(words), `${name} (${code}) has no sentence`);
    // The server's own text is the fallback for unknown codes; a known code never shows it.
    assert.equal(describeError(new ServerError(code, "raw server text")), words, name);
  }
  assert.equal(describeCode(9999), undefined);
});
