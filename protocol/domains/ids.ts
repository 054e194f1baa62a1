/** Reserved msgIds (the seed's batches of 1000): usable once, by the user they were issued to. */
import { int, object } from "../schema.ts";
import { tx, userKey } from "../spec.ts";

export const idFrames = {
  "ids.fetch": tx(object({ count: int({ min: 1, max: 1000 }) }), "ids.batch", (_, u) => userKey(u)),
};

export interface IdServerData {
  "ids.batch": { ids: string[] };
}
