/**
 * Which stream a business frame crosses, from its routing entry in the protocol: the partition
 * of its key for the transactional lane (one conversation is one ordered stream), or the shared
 * stream of the read or ephemeral lane. Gateways and tests route through this one function.
 */
import { type BusinessFrame, type ClientFrameOf, specOf, type TypesOf } from "@im/protocol";
import type { Keys } from "./keys.ts";
import { partitionOf } from "./partition.ts";

export type Target =
  | { lane: "tx"; stream: string; partition: number }
  | { lane: "read" | "ephemeral"; stream: string };

/** The partition key of a transactional frame (a conversation id, or a user's own state). */
export function partitionKeyOf(frame: ClientFrameOf<TypesOf<"tx">>, userId: string): string {
  const spec = specOf(frame.type) as { key(data: unknown, userId: string): string };
  return spec.key(frame.data, userId);
}

export function targetOf(
  frame: BusinessFrame,
  userId: string,
  keys: Keys,
  partitions: number,
): Target {
  const lane = specOf(frame.type).lane;
  switch (lane) {
    case "tx": {
      const key = partitionKeyOf(frame as ClientFrameOf<TypesOf<"tx">>, userId);
      const partition = partitionOf(key, partitions);
      return { lane, partition, stream: keys.partition(partition) };
    }
    case "read":
      return { lane, stream: keys.reads() };
    case "ephemeral":
      return { lane, stream: keys.ephemeral() };
  }
}
