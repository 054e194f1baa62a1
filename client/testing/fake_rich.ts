/**
 * The rich-message rules of the server's in-memory twin: what a send of each kind stores
 * (media must be registered with `FakeServer.addMedia`), and edits and reactions as the server
 * does them (sender only; counts per emoji).
 */
import {
  type ClientData,
  type ContentKind,
  ErrorCode,
  locationBody,
  type MediaRef,
  type MessageView,
  previewText,
} from "@im/protocol";

type Send = ClientData<"msg.send">;
export type RichFields = Pick<
  MessageView,
  "kind" | "body" | "media" | "location" | "custom" | "replyTo" | "forwarded"
>;

/** The stored fields of a send, or [code, message] when the server would refuse it. */
export function richFields(
  d: Send,
  media: Map<string, MediaRef>,
  find: (msgId: string) => MessageView | undefined,
  conversationId: string,
): RichFields | [number, string] {
  if (d.kind === "forward") {
    const src = find(d.source);
    if (!src || src.recalled) return [ErrorCode.FORWARD_INVALID, "no such message to forward"];
    const { kind, body, media: m, location, custom } = src;
    return {
      kind,
      body,
      ...(m ? { media: m } : {}),
      ...(location ? { location } : {}),
      ...(custom ? { custom } : {}),
      forwarded: { from: src.forwarded?.from ?? src.from },
    };
  }
  const out: RichFields = { kind: d.kind, body: "body" in d ? d.body ?? "" : "" };
  if (d.replyTo) {
    const q = find(d.replyTo);
    if (!q || q.conversationId !== conversationId) {
      return [ErrorCode.REPLY_INVALID, "no such message in this conversation"];
    }
    out.replyTo = {
      msgId: q.msgId,
      seq: q.seq,
      from: q.from,
      kind: q.kind as ContentKind,
      text: q.recalled ? "" : previewText(q.body),
      ...(q.recalled ? { recalled: true as const } : {}),
    };
  }
  if (d.kind === "location") {
    const { latitude, longitude, name, address } = d;
    out.location = {
      latitude,
      longitude,
      ...(name ? { name } : {}),
      ...(address ? { address } : {}),
    };
    out.body = locationBody(out.location);
  } else if (d.kind === "custom") {
    out.custom = { type: d.customType, payload: d.payload };
  } else if ("mediaId" in d) {
    const m = media.get(d.mediaId);
    if (!m) return [ErrorCode.MEDIA_INVALID, "no such upload"];
    out.media = m;
  }
  return out;
}

/** Adds or removes `by`'s emoji; returns the emoji's new count. */
export function react(
  reactions: Map<string, Map<string, Set<string>>>,
  msgId: string,
  emoji: string,
  by: string,
  add: boolean,
): number {
  const perMsg = reactions.get(msgId) ?? new Map<string, Set<string>>();
  reactions.set(msgId, perMsg);
  const users = perMsg.get(emoji) ?? new Set<string>();
  perMsg.set(emoji, users);
  if (add) users.add(by);
  else users.delete(by);
  return users.size;
}
