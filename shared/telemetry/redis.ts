/**
 * Redis command latency, measured around ioredis' `sendCommand`, which every command passes
 * through (pipelines and auto-pipelining included): from the call to its reply, so queueing in
 * a pipeline counts, as the caller feels it. Blocking readers are not instrumented (their
 * latency is the BLOCK timeout). Cost: one closure, one promise reaction and two clock reads per
 * command, a few hundred ns (scripts/bench/instrumentation_bench.ts; swapping the command's
 * resolve instead measured slower: new properties change the shape of every Command).
 */
import type { Redis } from "../redis/connect.ts";
import type { Histogram, HistogramSeries } from "../metrics.ts";

/** More distinct command names than this share one series ("other"): cardinality stays bounded. */
const MAX_COMMANDS = 48;

interface Command {
  name: string;
  promise: Promise<unknown>;
}

export function instrumentRedis(redis: Redis, histogram: Histogram, connection: string): void {
  const series = new Map<string, HistogramSeries>();
  const seriesOf = (name: string) => {
    let s = series.get(name);
    if (!s) {
      s = histogram.labels(connection, series.size < MAX_COMMANDS ? name : "other");
      series.set(name, s);
    }
    return s;
  };
  // A Cluster's sendCommand takes a third argument (the node a pipeline goes to): pass every
  // argument on, or a Cluster pipeline loses its node.
  const send = redis.sendCommand.bind(redis) as (cmd: Command, ...rest: unknown[]) => unknown;
  (redis as unknown as { sendCommand: unknown }).sendCommand = (
    cmd: Command,
    ...rest: unknown[]
  ) => {
    const started = performance.now();
    const s = seriesOf(cmd.name);
    const done = () => s.observe((performance.now() - started) / 1000);
    cmd.promise.then(done, done);
    return send(cmd, ...rest);
  };
}
