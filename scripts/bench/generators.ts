/**
 * The load-generator processes (scripts/bench/load.ts): one spec each, started with its spec in a
 * file, spoken to in JSON lines (stdin: "go"/"stop"; stdout: the ready and result events).
 */
import { readLines } from "./lines.ts";
import type { LoadResult, LoadSpec, ReadyEvent } from "./load_types.ts";
import { spawnDeno, type Spawned } from "./procs.ts";
import type { Run } from "./system.ts";
import type { PlannedConn } from "./users.ts";

export interface LoadProc {
  proc: Spawned;
  ready: Promise<ReadyEvent>;
  result: Promise<LoadResult>;
  send(line: string): Promise<void>;
}

/** One spec per generator; rates split by the share of the connections that carry them. */
export function loadSpecs(run: Run, conns: PlannedConn[]): LoadSpec[] {
  const { o } = run;
  const readers = conns.filter((c) => c.reader).length;
  const typers = conns.filter((c) => !c.reader && c.device === 0).length;
  return Array.from({ length: o.procs }, (_, p): LoadSpec => {
    const mine = conns.filter((c) => c.group === p).map(({ group: _, ...c }) => c);
    const share = (n: number, of: number) => of ? n / of : 0;
    return {
      role: o.mode === "idle" ? "idle" : "e2e",
      proc: p,
      client: o.mode === "floor" ? "floor" : o.client,
      conns: mine,
      floor: { redisUrl: o.redisUrl, prefix: run.prefix, partitions: o.partitions },
      messages: o.mode !== "typing",
      rate: o.rate / o.procs,
      window: o.window,
      size: o.size,
      warmupMs: o.warmupSec * 1000,
      durationMs: o.durationSec * 1000,
      drainMs: 5000,
      connectConcurrency: o.mode === "idle" ? 256 : 64,
      heartbeatSec: 25,
      ackMs: o.ackMs,
      historyRate: o.historyRate * share(mine.filter((c) => c.reader).length, readers),
      typingRate: o.typingRate *
        share(mine.filter((c) => !c.reader && c.device === 0).length, typers),
    };
  });
}

/** Starts one generator per spec (pushed to `started` at once, for the teardown). */
export async function startGenerators(
  run: Run,
  specs: LoadSpec[],
  started: LoadProc[],
): Promise<ReadyEvent[]> {
  for (const spec of specs) started.push(startLoadProc(spec, run.dir, run.env));
  const readies = await Promise.all(started.map((l) => l.ready));
  const opened = readies.reduce((a, r) => a + r.opened, 0);
  const failed = readies.reduce((a, r) => a + r.failed, 0);
  const total = specs.reduce((a, s) => a + s.conns.length, 0);
  const connectSec = Math.max(...readies.map((r) => r.connectSec));
  run.log(`${opened}/${total} connections open in ${connectSec} s (${failed} failed)`);
  if (opened === 0) throw new Error(`no connection opened: ${readies[0]?.errors.join("; ")}`);
  return readies;
}

function startLoadProc(spec: LoadSpec, dir: string, env: Record<string, string>): LoadProc {
  const specFile = `${dir}/load-${spec.proc}.json`;
  Deno.writeTextFileSync(specFile, JSON.stringify(spec));
  const log = `${dir}/load-${spec.proc}.log`;
  const proc = spawnDeno(
    `load-${spec.proc}`,
    ["run", "-A", new URL("./load.ts", import.meta.url).pathname, specFile],
    env,
    log,
    { stdin: "piped", stdout: "piped" },
  );
  const ready = Promise.withResolvers<ReadyEvent>();
  const result = Promise.withResolvers<LoadResult>();
  // Whoever awaits sees the failure; an unawaited one (a run that failed earlier) must not throw.
  ready.promise.catch(() => {});
  result.promise.catch(() => {});
  (async () => {
    for await (const line of readLines(proc.child.stdout)) {
      if (!line.startsWith("{")) continue;
      const ev = JSON.parse(line);
      if (ev.event === "ready") ready.resolve(ev);
      if (ev.event === "result") result.resolve(ev);
    }
    const err = new Error(`load generator ${spec.proc} exited (see ${log})`);
    ready.reject(err);
    result.reject(err);
  })();
  const writer = proc.child.stdin.getWriter();
  return {
    proc,
    ready: ready.promise,
    result: result.promise,
    send: (line) => writer.write(new TextEncoder().encode(line + "\n")).catch(() => {}),
  };
}
