import assert from "node:assert/strict";
import { dayKey, dayLabel, daysAgo, listTime } from "./time.ts";

const at = (y: number, m: number, d: number, h = 12, min = 0) =>
  new Date(y, m - 1, d, h, min).getTime();

Deno.test("web times: today, yesterday, this week and older read as people expect", () => {
  const now = at(2026, 3, 11, 9, 30); // a Wednesday
  assert.equal(dayLabel(at(2026, 3, 11, 0, 5), now), "Today");
  assert.equal(dayLabel(at(2026, 3, 10, 23, 59), now), "Yesterday");
  assert.equal(daysAgo(at(2026, 3, 8), now), 3);
  assert.equal(
    dayLabel(at(2026, 3, 8), now),
    new Date(at(2026, 3, 8)).toLocaleDateString([], { weekday: "long" }),
  );
  assert.match(dayLabel(at(2026, 1, 2), now), /2/);
  assert.doesNotMatch(dayLabel(at(2026, 1, 2), now), /2026/);
  assert.match(dayLabel(at(2025, 1, 2), now), /2025/);
  assert.equal(listTime(at(2026, 3, 10, 8), now), "Yesterday");
  assert.match(listTime(at(2026, 3, 11, 8, 7), now), /08.07|8.07/);
});

Deno.test("web times: the day key changes at local midnight, not every 24 hours", () => {
  assert.equal(dayKey(at(2026, 3, 11, 0, 1)), dayKey(at(2026, 3, 11, 23, 59)));
  assert.notEqual(dayKey(at(2026, 3, 10, 23, 59)), dayKey(at(2026, 3, 11, 0, 1)));
  // Across a daylight-saving change the day count stays whole.
  assert.equal(daysAgo(at(2026, 3, 28), at(2026, 3, 30)), 2);
  assert.equal(daysAgo(at(2026, 10, 24), at(2026, 10, 26)), 2);
});
