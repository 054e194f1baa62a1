/// <reference lib="dom" />
/** The connection state in words beside your name, and the unread count in the page title. */
import { useEffect, useState } from "preact/hooks";
import type { ConnectionState as State, ImClient } from "../../mod.ts";

/** What the top bar says for each state; the banner below it explains and offers actions. */
export function connectionWords(state: State, online: boolean): string {
  if (!online || state === "stopped") return "Offline";
  if (state === "online") return "Connected";
  if (state === "reconnecting") return "Reconnecting…";
  return "Connecting…";
}

export function ConnectionState(props: { client: ImClient }) {
  const { client } = props;
  const [state, setState] = useState<State>(client.state);
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => client.on("state", (s) => setState(s.state)), [client]);
  useEffect(() => {
    const on = () => setOnline(navigator.onLine);
    addEventListener("online", on);
    addEventListener("offline", on);
    return () => (removeEventListener("online", on), removeEventListener("offline", on));
  }, []);
  const words = connectionWords(state, online);
  const kind = words === "Connected" ? "online" : words === "Offline" ? "stopped" : "reconnecting";
  return (
    <span class={`conn-state ${kind}`} data-testid="conn-state" role="status">
      <span class={`dot ${kind}`} aria-hidden="true" />
      {words}
    </span>
  );
}

/** "(3) Chat" while 3 messages in unmuted conversations are unread; the plain title otherwise. */
export function useUnreadTitle(client: ImClient, version: number): void {
  const [base] = useState(() => document.title || "Chat");
  const unread = client.inbox.items().reduce((n, c) => n + (c.muted ? 0 : c.unread), 0);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread > 99 ? "99+" : unread}) ${base}` : base;
  }, [unread, version]);
  useEffect(() => () => void (document.title = base), []);
}
