/** Field schemas shared by several domains. Ids are decimal strings: snowflakes exceed 2^53. */
import { int, str } from "./schema.ts";

export const userId = str({ min: 1, max: 20, pattern: /^[1-9][0-9]*$/ });
export const msgId = str({ min: 1, max: 20, pattern: /^[1-9][0-9]*$/ });
export const seq = int({ min: 0, max: 2 ** 32 - 1 });
export const clientMsgId = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
export const requestId = str({ min: 1, max: 64 });
