/// <reference lib="dom" />
/** What the app keeps in localStorage: the session, this browser's device id, unsent messages, drafts. */
import type { Cursor, OutboxStorage, Outgoing, Session } from "../../mod.ts";

const KEY = { session: "im.session", device: "im.deviceId" };

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) as T : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the app still works for this page's life.
  }
}

export const savedSession = () => read<Session>(KEY.session);
export const saveSession = (s: Session | null) => write(KEY.session, s);

/** One device id per browser profile, so a re-login replaces this device's old session. */
export function deviceId(): string {
  let id = read<string>(KEY.device);
  if (!id) write(KEY.device, id = crypto.randomUUID());
  return id;
}

export function outboxStorage(userId: string): OutboxStorage {
  const key = `im.outbox.${userId}`;
  return { load: () => read<Outgoing[]>(key) ?? [], save: (items) => write(key, items) };
}

export const loadDraft = (conversationId: string) =>
  read<string>(`im.draft.${conversationId}`) ?? "";
export const saveDraft = (conversationId: string, text: string) =>
  write(`im.draft.${conversationId}`, text || null);

/** Messages per conversation fetched again after a reload; older ones load on scroll. */
const RECENT = 30;

export function savedCursors(userId: string): Cursor[] {
  return (read<Cursor[]>(`im.cursors.${userId}`) ?? []).map((c) => ({
    conversationId: c.conversationId,
    seq: Math.max(0, c.seq - RECENT),
  }));
}
export const saveCursors = (userId: string, cursors: Cursor[]) =>
  write(`im.cursors.${userId}`, cursors);
