/**
 * What a send stores beyond its address: kind, body and content. `checkContent` is pure (lengths,
 * payloads); `draftsFor` checks, in the send's transaction, what a message may refer to: a media
 * object must be the sender's upload to this conversation and of this kind; a reply must quote a
 * message of this conversation the sender can see; a forward must copy a message the sender can
 * see (any conversation), and keeps referring to the original's media object.
 */
import {
  type ContentKind,
  ErrorCode,
  locationBody,
  MEDIA_KINDS,
  type MediaKind,
} from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext } from "../../context.ts";
import { membersOf, type MemberState } from "../conversations/tables.ts";
import { mediaByIds, type MediaRow } from "../media/tables.ts";
import { findByIds, type StoredContent, type StoredMessage } from "./tables.ts";

type SendEntry = Entry<"msg.send">;
type SendData = SendEntry["env"]["frame"]["data"];

export interface Draft {
  kind: ContentKind;
  body: string;
  content: StoredContent | null;
  mediaId: string | null;
  replyToMsgId: string | null;
}

export interface Limits {
  maxBodyChars: number;
  maxCustomPayloadBytes: number;
}

const chars = (s: string) => [...s].length;
const CONTENT_KINDS = new Set<string>(["text", ...MEDIA_KINDS, "location", "custom"]);

/** A text needs 1..max characters; a caption (or a custom message's fallback text) 0..max. */
export function checkBodyLength(body: string, min: 0 | 1, max: number): PermanentError | null {
  const n = chars(body);
  return n < min || n > max
    ? new PermanentError(ErrorCode.BODY_LENGTH, `body must have ${min} to ${max} characters`)
    : null;
}

/** Pure: body lengths, and a custom payload that is JSON within its size. */
export function checkContent(d: SendData, limits: Limits): PermanentError | null {
  const body = "body" in d ? d.body : undefined;
  const err = body === undefined
    ? null
    : checkBodyLength(body, d.kind === "text" ? 1 : 0, limits.maxBodyChars);
  if (err) return err;
  if (d.kind === "custom") {
    const bytes = new TextEncoder().encode(d.payload).length;
    if (bytes > limits.maxCustomPayloadBytes) {
      return new PermanentError(
        ErrorCode.CUSTOM_PAYLOAD,
        `payload must be at most ${limits.maxCustomPayloadBytes} bytes`,
      );
    }
    try {
      JSON.parse(d.payload);
    } catch {
      return new PermanentError(ErrorCode.CUSTOM_PAYLOAD, "payload must be JSON text");
    }
  }
  return null;
}

/** The sends whose references hold, each with its draft; the others are rejected. */
export async function draftsFor<T>(
  ctx: TxContext,
  sends: Array<[SendEntry, T & { conversationId: string }]>,
): Promise<Array<[SendEntry, T & { conversationId: string }, Draft]>> {
  const datas = sends.map(([e]) => e.env.frame.data);
  const mediaIds = datas.flatMap((d) => "mediaId" in d ? [d.mediaId] : []);
  const msgIds = datas.flatMap((d) =>
    d.kind === "forward" ? [d.source] : "replyTo" in d && d.replyTo ? [d.replyTo] : []
  );
  const media = await mediaByIds(ctx.tx, mediaIds);
  const quoted = await findByIds(ctx.tx, msgIds);
  const convs = [...quoted.values()].map((m) => m.conversationId);
  const members = convs.length ? await membersOf(ctx.tx, [...new Set(convs)]) : [];
  const out: Array<[SendEntry, T & { conversationId: string }, Draft]> = [];
  for (const [e, t] of sends) {
    const sees = (m: StoredMessage | undefined) => m && canSee(members, e.env.userId, m);
    const draft = draftOf(e, t.conversationId, media, quoted, sees);
    if (draft instanceof PermanentError) ctx.reject(e, draft);
    else out.push([e, t, draft]);
  }
  return out;
}

function draftOf(
  e: SendEntry,
  conversationId: string,
  media: Map<string, MediaRow>,
  quoted: Map<string, StoredMessage>,
  sees: (m: StoredMessage | undefined) => boolean | undefined,
): Draft | PermanentError {
  const d = e.env.frame.data;
  if (d.kind === "forward") return forwardOf(quoted.get(d.source), sees);
  let replyToMsgId: string | null = null;
  if (d.replyTo) {
    const q = quoted.get(d.replyTo);
    if (!q || q.conversationId !== conversationId || !CONTENT_KINDS.has(q.kind) || !sees(q)) {
      return new PermanentError(ErrorCode.REPLY_INVALID, "no such message in this conversation");
    }
    replyToMsgId = q.msgId;
  }
  const base = { replyToMsgId, mediaId: null, content: null };
  switch (d.kind) {
    case "text":
      return { ...base, kind: "text", body: d.body };
    case "location": {
      const { latitude, longitude, name, address } = d;
      const location = {
        latitude,
        longitude,
        ...(name ? { name } : {}),
        ...(address ? { address } : {}),
      };
      return { ...base, kind: "location", body: locationBody(location), content: { location } };
    }
    case "custom":
      return {
        ...base,
        kind: "custom",
        body: d.body ?? "",
        content: { custom: { type: d.customType, payload: d.payload } },
      };
    default: {
      const row = media.get(d.mediaId);
      if (
        !row || row.conversationId !== conversationId || row.uploaderId !== e.env.userId ||
        row.kind !== d.kind
      ) {
        return new PermanentError(
          ErrorCode.MEDIA_INVALID,
          `media ${d.mediaId} is not a ${d.kind} you uploaded to this conversation`,
        );
      }
      const body = "body" in d ? d.body ?? "" : "";
      return {
        ...base,
        kind: d.kind as MediaKind,
        body,
        content: { media: row.ref },
        mediaId: row.mediaId,
      };
    }
  }
}

function forwardOf(
  src: StoredMessage | undefined,
  sees: (m: StoredMessage | undefined) => boolean | undefined,
): Draft | PermanentError {
  if (!src || !CONTENT_KINDS.has(src.kind) || src.recalledAt || !sees(src)) {
    return new PermanentError(ErrorCode.FORWARD_INVALID, "no such message to forward");
  }
  const from = src.content?.forwarded?.from ?? src.senderId;
  return {
    kind: src.kind as ContentKind,
    body: src.body,
    content: { ...src.content, forwarded: { from } },
    mediaId: src.mediaId ?? null,
    replyToMsgId: null,
  };
}

/** Whether the user's window of the message's conversation holds it: (cleared_seq, left_seq]. */
function canSee(members: MemberState[], userId: string, m: StoredMessage): boolean {
  const row = members.find((r) => r.conversationId === m.conversationId && r.userId === userId);
  return !!row && m.seq > row.clearedSeq && (row.leftSeq === null || m.seq <= row.leftSeq);
}
