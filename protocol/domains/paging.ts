/**
 * Paged lists (friends, requests, blocks, the conversation list): a page carries an opaque
 * `cursor` for the next one (absent on the last page). Cursors are signed by the server and
 * bound to the user and the list: an altered or foreign cursor is `PAGE_CURSOR_INVALID`.
 */
import { int, optional, str } from "../schema.ts";

export const pageCursor = optional(str({ min: 1, max: 512, pattern: /^[A-Za-z0-9_.-]+$/ }));
export const pageLimit = optional(int({ min: 1, max: 100 }));
export const DEFAULT_PAGE_LIMIT = 50;
