/**
 * A child process of scripts/bench/realtime.ts holding the storm's connections: it opens one per
 * token (a few hundred at a time), has each watch the presence of the next `--watch` users, and
 * when the server closes them (a gateway restart) reconnects each after a random 0–1 s, then
 * watches again. It reports on stdout, one JSON line per event: ready, reconnected, counts.
 */
import { parseArgs } from "node:util";
import { type BenchSocket, connectClient } from "./ws_client.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string" },
    tokens: { type: "string" },
    watch: { type: "string", default: "10" },
  },
});
const port = Number(values.port);
const people = JSON.parse(await Deno.readTextFile(values.tokens!)) as Array<
  { userId: string; token: string }
>;
const watch = Number(values.watch);
let presenceFrames = 0;
let open = 0;
let reconnecting = 0;
let stormStarted = 0;

const say = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

async function connect(i: number): Promise<void> {
  for (;;) {
    try {
      const s: BenchSocket = await connectClient("raw", {
        hostname: "127.0.0.1",
        port,
        path: "/ws",
        token: people[i].token,
        onText: (t) => {
          if (t.startsWith('{"type":"presence"')) presenceFrames++;
        },
        onClose: () => {
          open--;
          if (!stormStarted) stormStarted = performance.now();
          reconnecting++;
          setTimeout(() => connect(i).then(() => reconnecting--), Math.random() * 1000);
        },
      });
      open++;
      const userIds = Array.from(
        { length: watch },
        (_, k) => people[(i + k + 1) % people.length].userId,
      );
      s.sendText(JSON.stringify({ type: "presence.sub", data: { userIds } }));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300)); // gateway not back yet
    }
  }
}

let next = 0;
await Promise.all(Array.from({ length: 200 }, async () => {
  while (next < people.length) await connect(next++);
}));
say({ ready: open });
setInterval(() => {
  if (stormStarted && reconnecting === 0 && open === people.length) {
    say({ reconnected: open, ms: Math.round(performance.now() - stormStarted), presenceFrames });
    stormStarted = 0;
  }
}, 50);
setInterval(() => say({ open, presenceFrames }), 5000);
