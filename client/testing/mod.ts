/** Test doubles for code built on the SDK: a manual clock, an in-memory socket and server. */
export { FakeClock, settle } from "./fake_clock.ts";
export { FakeSocket } from "./fake_socket.ts";
export { FakeServer } from "./fake_server.ts";
export { FakeRealtime } from "./fake_realtime.ts";
