/// <reference lib="dom" />
/** Online dots and "last seen", for the users on screen (watched while shown). */
import { useEffect } from "preact/hooks";
import type { ImClient, PresenceView } from "../../mod.ts";

/** Watches these users' presence while the component is mounted. */
export function usePresence(client: ImClient, userIds: Array<string | null>): void {
  const ids = [...new Set(userIds.filter((u): u is string => !!u))].sort();
  const key = ids.join(",");
  useEffect(() => client.watchPresence(ids), [client, key]);
}

export function PresenceDot(props: { view: PresenceView | undefined }) {
  const online = props.view?.online ?? false;
  return (
    <span
      class={`presence ${online ? "online" : "offline"}`}
      data-testid="presence"
      data-online={String(online)}
      title={describePresence(props.view)}
      aria-label={describePresence(props.view)}
    />
  );
}

/** "online", "last seen 14:05", "last seen Mar 3", or "" when unknown or hidden. */
export function describePresence(v: PresenceView | undefined, now = Date.now()): string {
  if (!v) return "";
  if (v.online) return "online";
  if (!v.lastSeen) return "";
  const d = new Date(v.lastSeen);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const when = sameDay
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString([], { month: "short", day: "numeric" });
  return `last seen ${when}`;
}

/** "Bob is typing…", "Bob and Carol are typing…". */
export function typingText(names: string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`;
}
