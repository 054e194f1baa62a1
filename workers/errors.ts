/**
 * How the consumer treats a failure: PermanentError (shared) answers the sender and acks;
 * FencedError means this worker lost the partition, so it stops without acking; anything else
 * is transient: the entry stays pending and is redelivered, then dead-lettered after N tries.
 */

export class FencedError extends Error {
  /** `current`: the committed fence, when known. */
  constructor(readonly partition: number, readonly mine: number, readonly current?: number) {
    super(
      `partition ${partition} is fenced: our fence ${mine}, ` +
        (current === undefined ? "a newer owner's is committed" : `committed fence ${current}`),
    );
    this.name = "FencedError";
  }
}

export class IdsUnavailableError extends Error {
  constructor() {
    super("no snowflake worker id is leased");
    this.name = "IdsUnavailableError";
  }
}

/** This worker's heartbeat is stale: others may own its partitions; it publishes nothing. */
export class NotConfidentError extends Error {
  constructor() {
    super("own heartbeat is stale: leaving committed entries to the partition's owner");
    this.name = "NotConfidentError";
  }
}
