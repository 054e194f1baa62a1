/// <reference lib="dom" />
/** One bubble: body or "recalled", time, and for your own messages the mark and actions. */
import { EDITABLE_KINDS, type ImClient, type MessageStatus, type TimelineItem } from "../../mod.ts";
import { Actions, type MessageHandlers } from "./actions.tsx";
import { Content, Quote, Reactions } from "./content.tsx";
import type { Directory } from "./names.ts";
import { NoticeLine } from "./notice.tsx";
import { ReadBy } from "./readby.tsx";
import { callRecordText } from "./call.tsx";
import { clock } from "./time.ts";

/** Defaults until the server's hello says (RECALL_WINDOW_SEC); the server has the last word. */
const RECALL_WINDOW_SEC = 120;
/** Likewise for EDIT_WINDOW_SEC. */
const EDIT_WINDOW_SEC = 900;

/**
 * One tick: stored; two: on their device; two and the word "Read": seen. Never colour alone
 * (colour-blind readers, monochrome screens); the title and aria-label say it in full.
 */
const MARK: Record<MessageStatus, { icon: string; label?: string; text: string }> = {
  sending: { icon: "Sending…", text: "Sending" },
  failed: { icon: "!", label: "Not sent", text: "Not sent" },
  sent: { icon: "✓", text: "Sent" },
  offline: { icon: "✓", text: "Sent; stored until they come online" },
  delivered: { icon: "✓✓", text: "Delivered" },
  read: { icon: "✓✓", label: "Read", text: "Read" },
};

export function Bubble(props: {
  item: TimelineItem;
  now: number;
  client: ImClient;
  name(userId: string): string;
  h: MessageHandlers;
  onRecall(msgId: string): void;
  onRetry(clientMsgId: string): void;
  onDiscard(clientMsgId: string): void;
  /** In a group: notices as lines, "read by N" under your messages. */
  group?: { client: ImClient; names: Directory };
}) {
  const { item, group } = props;
  if (item.kind === "message" && item.message.notice && group) {
    const m = item.message;
    return (
      <NoticeLine notice={m.notice!} seq={m.seq} names={group.names} me={group.client.userId} />
    );
  }
  if (item.kind === "unsent") {
    const o = item.outgoing;
    return (
      <li
        class="msg mine"
        data-testid="msg"
        data-status={item.status}
        data-client-id={o.clientMsgId}
      >
        {o.content && "media" in o.content && (
          <div class="media file">📎 {o.content.media.name}</div>
        )}
        {o.content?.kind === "forward" && <div class="fwd">Forwarded</div>}
        {o.body && <div class="body">{o.body}</div>}
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
        <div class="body">{callRecordText(m, props.client.userId)}</div>
        <div class="meta">
          <time dateTime={new Date(m.serverTime).toISOString()}>{clock(m.serverTime)}</time>
        </div>
      </li>
    );
  }
  const limits = props.client.limits;
  const age = props.now - m.serverTime;
  const canRecall = item.mine && !m.recalled &&
    age < (limits?.recallWindowSec ?? RECALL_WINDOW_SEC) * 1000;
  const canEdit = item.mine && !m.recalled && !m.forwarded &&
    (EDITABLE_KINDS as string[]).includes(m.kind) &&
    age < (limits?.editWindowSec ?? EDIT_WINDOW_SEC) * 1000;
  return (
    <li
      class={`msg ${item.mine ? "mine" : "theirs"}${m.recalled ? " recalled" : ""}`}
      data-testid="msg"
      data-seq={m.seq}
      data-status={item.status ?? ""}
      data-kind={m.kind}
    >
      {group && !item.mine && <div class="from">{group.names.name(m.from)}</div>}
      {!m.recalled && m.forwarded && <div class="fwd">Forwarded</div>}
      {!m.recalled && <Quote m={m} name={props.name} />}
      {!m.recalled && <Content client={props.client} m={m} />}
      {(m.recalled || m.body) && (
        <div class="body">
          {m.recalled ? (item.mine ? "You recalled a message" : "Message recalled") : m.body}
        </div>
      )}
      {!m.recalled && <Reactions m={m} onToggle={(emoji, add) => props.h.onReact(m, emoji, add)} />}
      <div class="meta">
        <time dateTime={new Date(m.serverTime).toISOString()}>{clock(m.serverTime)}</time>
        {m.edited && <span class="edited" data-testid="edited">edited</span>}
        {item.status && !group && <Mark status={item.status} />}
        {group && item.mine && !m.recalled && (
          <ReadBy
            client={group.client}
            conversationId={m.conversationId}
            seq={m.seq}
            names={group.names}
          />
        )}
        {canRecall && (
          <button type="button" class="recall" onClick={() => props.onRecall(m.msgId)}>
            Recall
          </button>
        )}
        {!m.recalled && <Actions m={m} canEdit={canEdit} h={props.h} />}
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
      <span aria-hidden="true">{mark.icon}</span>
      {mark.label && <span class="mark-label" aria-hidden="true">{mark.label}</span>}
    </span>
  );
}
