import assert from "node:assert/strict";
import { ipKey, IpSlots } from "./ip_slots.ts";

Deno.test("ip slots: at most max per address, released slots are reused, 0 is no cap", () => {
  const s = new IpSlots(2);
  assert.ok(s.take("203.0.113.7"));
  assert.ok(s.take("203.0.113.7"));
  assert.ok(!s.take("203.0.113.7"));
  assert.ok(s.take("203.0.113.8"), "other addresses have their own count");
  s.release("203.0.113.7");
  assert.equal(s.held("203.0.113.7"), 1);
  assert.ok(s.take("::ffff:203.0.113.7"), "IPv4-mapped counts as the IPv4 address");
  assert.ok(!s.take("203.0.113.7"));
  const free = new IpSlots(0);
  for (let i = 0; i < 5; i++) assert.ok(free.take("203.0.113.7"));
});

Deno.test("ip slots: IPv6 addresses count per /64", () => {
  assert.equal(ipKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(ipKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assert.equal(ipKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(ipKey("::1"), "0:0:0:0::/64");
  const s = new IpSlots(1);
  assert.ok(s.take("2001:db8:1:2::10"));
  assert.ok(!s.take("2001:db8:1:2:ffff::20"), "same /64");
  assert.ok(s.take("2001:db8:1:3::10"), "another /64");
});
