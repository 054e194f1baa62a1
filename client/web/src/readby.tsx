/// <reference lib="dom" />
/**
 * "Read by N" under your own message in a group, with who read it on click (groups up to
 * GROUP_RECEIPTS_DETAIL_MAX members; larger ones show the count only).
 */
import { useState } from "preact/hooks";
import { describeError, type ImClient } from "../../mod.ts";
import type { Directory } from "./names.ts";

export function ReadBy(
  props: { client: ImClient; conversationId: string; seq: number; names: Directory },
) {
  const { client, conversationId, seq } = props;
  const n = client.groups.readBy(conversationId, seq);
  const [open, setOpen] = useState<{ readers: string[]; unread: string[] } | string | null>(null);
  if (n === undefined) return null;
  async function toggle() {
    if (open) return setOpen(null);
    try {
      const r = await client.groups.readers(conversationId, seq);
      setOpen({ readers: r.readers, unread: r.unread });
    } catch (e) {
      setOpen(describeError(e));
    }
  }
  return (
    <span class="readby">
      <button type="button" class="link" data-testid="read-by" onClick={toggle}>Read by {n}</button>
      {open && (
        <span class="readers" data-testid="readers" role="dialog">
          {typeof open === "string" ? open : (
            <>
              <b>Read</b> {open.readers.map((u) => props.names.name(u)).join(", ") || "nobody yet"}
              <br />
              <b>Not yet</b> {open.unread.map((u) => props.names.name(u)).join(", ") || "nobody"}
            </>
          )}
        </span>
      )}
    </span>
  );
}
