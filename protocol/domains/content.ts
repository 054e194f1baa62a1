/**
 * Rich message content: the kinds a message can be beyond text, the exact schema of each in
 * msg.send, and the parts of a message's wire view that carry them. `body` is always the text of
 * a message (a text's words, a caption, a place's name and address, a custom message's fallback
 * text): the one field an edit changes and search indexes.
 */
import { conversationIdSchema } from "../conversations.ts";
import { clientMsgId, msgId, userId } from "../fields.ts";
import { literal, num, object, optional, type Schema, str } from "../schema.ts";

/** Kinds a client sends (and `forward`, which copies another message's kind). */
export type ContentKind = "text" | "image" | "voice" | "video" | "file" | "location" | "custom";
/** Kinds the server stores as notices: they take a seq so offline devices learn of the change. */
export type NoticeKind = "recall" | "edit";
export type MediaKind = "image" | "voice" | "video" | "file";
export const MEDIA_KINDS: readonly MediaKind[] = ["image", "voice", "video", "file"];
/** Kinds whose body the sender may change within EDIT_WINDOW_SEC. */
export const EDITABLE_KINDS: readonly ContentKind[] = ["text", "image", "video", "file"];

export const mediaId = str({ min: 1, max: 20, pattern: /^[1-9][0-9]*$/ });
/** An app's own message type name, e.g. `poll` or `com.example.card`. */
export const customType = str({ min: 1, max: 64, pattern: /^[A-Za-z][A-Za-z0-9_.:-]*$/ });
/** One emoji: pictographs, skin-tone modifiers, flags (regional indicators), ZWJ sequences. */
export const emoji = str({
  min: 1,
  max: 32,
  pattern: /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f]+$/u,
});
// The worker enforces the configured limits (MAX_BODY_CHARS, MAX_CUSTOM_PAYLOAD_BYTES) with
// their own error codes; these bounds only keep a frame's fields sane.
const text = str({ max: 65536 });

/** Exactly one of conversationId and to, in every kind of send. */
const oneTarget = (d: { conversationId?: string; to?: string }) =>
  (d.conversationId === undefined) === (d.to === undefined)
    ? "needs exactly one of conversationId and to"
    : null;

const target = {
  /** The conversation to send to (any kind). */
  conversationId: optional(conversationIdSchema),
  /** Or a user: the direct conversation with them (started by this message if new). */
  to: optional(userId),
  clientMsgId,
  /** An id reserved for this user by ids.fetch; the server picks one when absent. */
  msgId: optional(msgId),
};
/** A message of the same conversation this one answers (delivered with a short preview). */
const replyTo = optional(msgId);

function variant<const K extends string, S extends Record<string, Schema<unknown>>>(
  kind: K,
  fields: S,
) {
  return object({ ...target, kind: literal(kind), ...fields }, oneTarget);
}

/** msg.send's variants, by `kind`. A plain text send is exactly what it was before rich kinds. */
export const sendVariants = {
  text: variant("text", { body: text, replyTo }),
  image: variant("image", { mediaId, body: optional(text), replyTo }),
  voice: variant("voice", { mediaId, replyTo }),
  video: variant("video", { mediaId, body: optional(text), replyTo }),
  file: variant("file", { mediaId, body: optional(text), replyTo }),
  location: variant("location", {
    latitude: num({ min: -90, max: 90 }),
    longitude: num({ min: -180, max: 180 }),
    name: optional(str({ min: 1, max: 200 })),
    address: optional(str({ min: 1, max: 500 })),
    replyTo,
  }),
  custom: variant("custom", {
    customType,
    /** JSON text (the app's own payload), at most MAX_CUSTOM_PAYLOAD_BYTES. */
    payload: str({ min: 1, max: 65536 }),
    /** What clients that do not know `customType` show (and search finds). */
    body: optional(text),
    replyTo,
  }),
  /** A copy of a message you can see, into any conversation you are in. */
  forward: variant("forward", { source: msgId }),
};

/** An uploaded object a message refers to (see the media HTTP routes). */
export interface MediaRef {
  mediaId: string;
  /** Decided from the content, never from the name or the client's claim. */
  mime: string;
  size: number;
  /** The uploader's file name (no path). */
  name: string;
  width?: number;
  height?: number;
  /** Voice and video: the client's figure, range-checked by the server. */
  durationMs?: number;
  /** Images: a server-made thumbnail (WebP) of this size is at `/v1/media/<id>/thumb`. */
  thumb?: { width: number; height: number };
}

export interface Location {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

export interface CustomContent {
  type: string;
  /** JSON text, as the app sent it. */
  payload: string;
}

/** What a reply carries of the message it answers: enough to draw the quote. */
export interface ReplyPreview {
  msgId: string;
  seq: number;
  from: string;
  kind: ContentKind;
  /** The first PREVIEW_CHARS characters of its body ("" once recalled). */
  text: string;
  recalled?: true;
}

export interface ReactionCount {
  emoji: string;
  count: number;
  /** Whether the user reading this reacted with it. */
  me: boolean;
}

export const PREVIEW_CHARS = 100;

/** The start of a body, cut at a character (not a UTF-16 unit) boundary. */
export function previewText(body: string): string {
  const chars = [...body];
  return chars.length > PREVIEW_CHARS ? chars.slice(0, PREVIEW_CHARS).join("") + "…" : body;
}

/** The text a location message carries as its body: its name and address, one a line. */
export function locationBody(l: { name?: string; address?: string }): string {
  return [l.name, l.address].filter((s) => s !== undefined).join("\n");
}
