/// <reference lib="dom" />
/** One bubble: body or "recalled", time, and for your own messages the mark and actions. */
import type { MessageStatus, TimelineItem } from "../../mod.ts";
import { callRecordText } from "./call.tsx";

/** The server's default recall window; it has the last word (RECALL_WINDOW). */
export const RECALL_WINDOW_MS = 2 * 60_000;

const MARK: Record<MessageStatus, { icon: string; text: string }> = {
  sending: { icon: "Sending…", text: "Sending" },
  failed: { icon: "!", text: "Not sent" },
  sent: { icon: "✓", text: "Sent" },
  offline: { icon: "✓", text: "Stored until they come online" },
  delivered: { icon: "✓✓", text: "Delivered" },
  read: { icon: "✓✓", text: "Read" },
};

export function Bubble(props: {
  item: TimelineItem;
  now: number;
  onRecall(msgId: string): void;
  onRetry(clientMsgId: string): void;
  onDiscard(clientMsgId: string): void;
  /** The signed-in user (call records read differently for caller and callee). */
  me?: string;
}) {
  const { item } = props;
  if (item.kind === "unsent") {
    const o = item.outgoing;
    return (
      <li
        class="msg mine"
        data-testid="msg"
        data-status={item.status}
        data-client-id={o.clientMsgId}
      >
        <div class="body">{o.body}</div>
        <div class="meta">
          <Mark status={item.status} />
          {item.status === "failed" && (
            <span class="failed">
              {o.error ?? "Not sent."}
              <button type="button" onClick={() => props.onRetry(o.clientMsgId)}>Retry</button>
              <button type="button" onClick={() => props.onDiscard(o.clientMsgId)}>Delete</button>
            </span>
          )}
        </div>
      </li>
    );
  }
  const m = item.message;
  if (m.kind === "call") {
    return (
      <li
        class="msg call theirs"
        data-testid="msg"
        data-kind="call"
        data-seq={m.seq}
        data-outcome={m.call?.outcome ?? ""}
      >
        <div class="body">{callRecordText(m, props.me ?? "")}</div>
        <div class="meta">
          <time dateTime={new Date(m.serverTime).toISOString()}>{clock(m.serverTime)}</time>
        </div>
      </li>
    );
  }
  const canRecall = item.mine && !m.recalled && props.now - m.serverTime < RECALL_WINDOW_MS;
  return (
    <li
      class={`msg ${item.mine ? "mine" : "theirs"}${m.recalled ? " recalled" : ""}`}
      data-testid="msg"
      data-seq={m.seq}
      data-status={item.status ?? ""}
    >
      <div class="body">
        {m.recalled ? (item.mine ? "You recalled a message" : "Message recalled") : m.body}
      </div>
      <div class="meta">
        <time dateTime={new Date(m.serverTime).toISOString()}>{clock(m.serverTime)}</time>
        {item.status && <Mark status={item.status} />}
        {canRecall && (
          <button type="button" class="recall" onClick={() => props.onRecall(m.msgId)}>
            Recall
          </button>
        )}
      </div>
    </li>
  );
}

function Mark(props: { status: MessageStatus }) {
  const mark = MARK[props.status];
  return (
    <span
      class={`mark ${props.status}`}
      data-testid="mark"
      title={mark.text}
      aria-label={mark.text}
    >
      {mark.icon}
    </span>
  );
}

function clock(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
