import assert from "node:assert/strict";
import { withoutPorts } from "./stack.ts";
import { balanced } from "./scenario.ts";

Deno.test("compose smoke: the resolved file loses its port bindings and nothing else", () => {
  const resolved = [
    "services:",
    "  gateway1:",
    "    image: im-server:local",
    "    network_mode: host",
    "    ports:",
    "    - published: 8080",
    "      target: 8080",
    "    restart: unless-stopped",
    "  worker:",
    "    image: im-server:local",
    "volumes:",
    "  secrets: {}",
  ].join("\n");
  assert.equal(
    withoutPorts(resolved),
    resolved.replace("    ports:\n    - published: 8080\n      target: 8080\n", ""),
  );
});

Deno.test("compose smoke: partitions are balanced when covered once and no worker idles", () => {
  const m = (...owned: number[][]) => new Map(owned.map((ps, i) => [i, ps]));
  assert.equal(balanced(m([0, 1], [2, 3]), 4), true);
  assert.equal(balanced(m([0, 1, 2, 3], []), 4), false); // a worker without partitions
  assert.equal(balanced(m([0, 1], [1, 2, 3]), 4), false); // partition 1 owned twice
  assert.equal(balanced(m([0, 1], [3]), 4), false); // partition 2 unowned
});
