/// <reference lib="dom" />
/** The actions under a message: react, reply, forward, and for your own, edit. */
import { useState } from "preact/hooks";
import type { ConversationSummary, MessageView } from "../../mod.ts";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢"];

export interface MessageHandlers {
  onReply(m: MessageView): void;
  onEdit(m: MessageView): void;
  onReact(m: MessageView, emoji: string, add: boolean): void;
  onForward(m: MessageView, conversationId: string): void;
  /** Where a message may be forwarded, with a title for each. */
  targets(): Array<{ id: string; title: string }>;
}

export function Actions(
  props: { m: MessageView; canEdit: boolean; h: MessageHandlers },
) {
  const [open, setOpen] = useState<null | "react" | "forward">(null);
  const { m, h } = props;
  const mine = new Set((m.reactions ?? []).filter((r) => r.me).map((r) => r.emoji));
  return (
    <span class="actions">
      <button type="button" onClick={() => setOpen(open === "react" ? null : "react")}>
        React
      </button>
      <button type="button" onClick={() => h.onReply(m)}>Reply</button>
      <button type="button" onClick={() => setOpen(open === "forward" ? null : "forward")}>
        Forward
      </button>
      {props.canEdit && <button type="button" onClick={() => h.onEdit(m)}>Edit</button>}
      {open === "react" && (
        <span class="picker" role="menu" data-testid="react-picker">
          {QUICK_REACTIONS.map((e) => (
            <button
              type="button"
              key={e}
              role="menuitem"
              aria-label={`React ${e}`}
              onClick={() => (setOpen(null), h.onReact(m, e, !mine.has(e)))}
            >
              {e}
            </button>
          ))}
        </span>
      )}
      {open === "forward" && (
        <span class="picker" role="menu" data-testid="forward-picker">
          {h.targets().map((t) => (
            <button
              type="button"
              key={t.id}
              role="menuitem"
              onClick={() => (setOpen(null), h.onForward(m, t.id))}
            >
              {t.title}
            </button>
          ))}
        </span>
      )}
    </span>
  );
}

/** Forward targets: every conversation in the list. */
export function forwardTargets(
  items: ConversationSummary[],
  title: (c: ConversationSummary) => string,
): Array<{ id: string; title: string }> {
  return items.map((c) => ({ id: c.conversationId, title: title(c) }));
}
