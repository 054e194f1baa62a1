/**
 * The hop histogram of a stored frame's trip, one series per hop; gateways export ingest,
 * deliver and write, workers queue, commit and publish (docs/ARCHITECTURE.md "Operating it").
 * One name for all, so a dashboard or the bench reads every hop with one selector.
 */
import { Histogram, LATENCY_BUCKETS, type Registry } from "../metrics.ts";

export const HOPS = ["ingest", "queue", "commit", "publish", "deliver", "write"] as const;
export type Hop = typeof HOPS[number];

export function hopHistogram(registry: Registry): Histogram {
  return registry.add(
    new Histogram(
      "im_message_hop_seconds",
      "Time in each hop: ingest, queue, commit, publish (per stored frame), deliver (per result entry), write (per socket write).",
      LATENCY_BUCKETS,
      ["hop"],
    ),
  );
}
