/** The group parts of a message view: whom it mentions, and what a notice says. */
import type { GroupNotice, MessageView } from "@im/protocol";
import type { StoredMessage } from "../messages/tables.ts";

export interface Mentions {
  users: string[];
  all: boolean;
}

export function encodeMentions(users: string[] | undefined, all: boolean | undefined) {
  if (!users?.length && !all) return null;
  return JSON.stringify({ users: users ?? [], ...(all ? { all: true } : {}) });
}

export function decodeMentions(raw: string | null | undefined): Mentions | null {
  if (!raw) return null;
  const m = JSON.parse(raw) as { users?: string[]; all?: boolean };
  return { users: m.users ?? [], all: m.all === true };
}

/** Adds mentions and the notice body to a view; a notice's stored body is its JSON. */
export function groupParts(m: StoredMessage, view: MessageView): MessageView {
  const mentions = decodeMentions(m.mentions);
  if (mentions?.users.length) view.mentions = mentions.users;
  if (mentions?.all) view.mentionAll = true;
  if (m.kind === "notice") {
    view.notice = JSON.parse(m.body) as GroupNotice;
    view.body = "";
  }
  return view;
}
