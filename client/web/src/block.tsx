/// <reference lib="dom" />
/** Block (or unblock) the other member of a direct chat, from the chat itself. */
import { describeError, type ImClient } from "../../mod.ts";

export function BlockButton(
  props: { client: ImClient; peerId: string; onError(text: string): void },
) {
  const s = props.client.social;
  const blocked = s.isBlocked(props.peerId);
  const toggle = () => {
    if (
      !blocked &&
      !confirm("Block this user? Neither of you can message the other until you unblock.")
    ) {
      return;
    }
    (blocked ? s.unblock(props.peerId) : s.block(props.peerId))
      .catch((e) => props.onError(describeError(e)));
  };
  return (
    <button type="button" class="head-action" data-testid="block" onClick={toggle}>
      {blocked ? "Unblock" : "Block"}
    </button>
  );
}
