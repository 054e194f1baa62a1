/**
 * The hop histogram of a stored frame's trip, one series per hop; gateways export ingest,
 * deliver and write, workers queue, commit and publish (docs/ARCHITECTURE.md "Operating it").
 * One name for all, so a dashboard or the bench reads every hop with one selector.
 */
import { Histogram, type Registry } from "../metrics.ts";

export const HOPS = ["ingest", "queue", "commit", "publish", "deliver", "write"] as const;
export type Hop = typeof HOPS[number];

/**
 * Finer than LATENCY_BUCKETS below 10 ms: a hop on loopback takes tenths of a millisecond, and a
 * quantile is only as good as the buckets around it (the bench's per-hop table reads these).
 */
export const HOP_BUCKETS = [
  0.0001,
  0.00025,
  0.0005,
  0.00075,
  0.001,
  0.0015,
  0.002,
  0.003,
  0.005,
  0.0075,
  0.01,
  0.015,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

export function hopHistogram(registry: Registry): Histogram {
  return registry.add(
    new Histogram(
      "im_message_hop_seconds",
      "Time in each hop: ingest, queue, commit, publish (per stored frame), deliver (per result entry), write (per socket write).",
      HOP_BUCKETS,
      ["hop"],
    ),
  );
}
