/// <reference lib="dom" />
/**
 * The conversation list the server keeps (pinned first, then newest; unread counts and mention
 * flags from the server), with each conversation's own menu: pin, mute, hide, delete for me.
 * Conversations holding only unsent messages (not on the server yet) are listed too.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { describeError, directPeer, type ImClient, type MessageView } from "../../mod.ts";
import type { Directory } from "./names.ts";
import { callRecordText } from "./call.tsx";
import { PresenceDot, usePresence } from "./presence.tsx";
import { useTick } from "./hooks.ts";
import { listTime } from "./time.ts";

export interface Row {
  conversationId: string;
  peerId: string | null;
  lastMessage: MessageView | null;
  unread: number;
  unsent: number;
  pinned: boolean;
  muted: boolean;
  mentioned: boolean;
}

export function rowsOf(client: ImClient): Row[] {
  const unsent = new Map<string, number>();
  for (const o of client.outbox.all()) {
    unsent.set(o.conversationId, (unsent.get(o.conversationId) ?? 0) + 1);
  }
  const rows: Row[] = client.inbox.items().map((i) => ({
    ...i,
    peerId: i.peerId ?? null,
    unsent: unsent.get(i.conversationId) ?? 0,
  }));
  for (const [conversationId, n] of unsent) {
    if (client.inbox.get(conversationId)) continue;
    const peerId = directPeer(conversationId, client.userId);
    rows.push({
      conversationId,
      peerId,
      lastMessage: null,
      unread: 0,
      unsent: n,
      pinned: false,
      muted: false,
      mentioned: false,
    });
  }
  return rows;
}

export function ConversationList(props: {
  client: ImClient;
  me: string;
  selected: string | null;
  names: Directory;
  onOpen(conversationId: string): void;
  /** Starts (or opens) the direct chat with a user. */
  onStart(userId: string): void;
  onError(text: string): void;
  /** A group's name, if known. */
  groupName?(conversationId: string): string | undefined;
  /** Shown above the list (the new-group form). */
  children?: ComponentChildren;
}) {
  const { client } = props;
  const [who, setWho] = useState("");
  const items = rowsOf(client);
  useTick(60_000); // "Yesterday" after midnight without a new message
  const now = Date.now();
  usePresence(client, items.map((c) => c.peerId));
  const [error, setError] = useState<string | null>(null);
  const [menu, setMenu] = useState<string | null>(null);

  // The list is server state: read it once online (the SDK reads it again on every reconnect).
  useEffect(() => {
    const load = () => client.inbox.load().catch((e) => props.onError(describeError(e)));
    if (client.state === "online") load();
    return client.on("state", (s) => {
      if (s.state === "online" && !client.inbox.loaded) load();
    });
  }, [client]);

  async function start(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const user = await props.names.byName(who);
      if (user.userId === props.me) return setError("That is you. Pick someone else.");
      setWho("");
      props.onStart(user.userId);
    } catch (err) {
      setError(describeError(err));
    }
  }

  const act = (job: Promise<unknown>) => {
    setMenu(null);
    job.catch((e) => props.onError(describeError(e)));
  };
  return (
    <nav class="list" aria-label="Conversations">
      <form class="new-chat" onSubmit={start}>
        <input
          placeholder="Start a chat: username"
          aria-label="Username to chat with"
          data-testid="new-chat"
          autocapitalize="none"
          value={who}
          onInput={(e) => setWho(e.currentTarget.value)}
        />
        <button type="submit" disabled={!who.trim()}>Chat</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {props.children}
      {items.length === 0 && <p class="empty">No conversations yet.</p>}
      <ul>
        {items.map((c) => (
          <li key={c.conversationId} class="conv-row">
            <button
              type="button"
              data-testid="conv"
              data-conversation={c.conversationId}
              data-pinned={String(c.pinned)}
              data-muted={String(c.muted)}
              class={c.conversationId === props.selected ? "conv selected" : "conv"}
              onClick={() => props.onOpen(c.conversationId)}
            >
              <span class="avatar" aria-hidden="true">
                {initial(titleOf(c, props.names, props.groupName?.(c.conversationId)))}
              </span>
              {c.peerId && <PresenceDot view={props.client.presenceOf(c.peerId)} />}
              <span class="conv-main">
                <span class="conv-name">
                  {c.pinned && <span class="flag" data-testid="pinned">pinned</span>}
                  <span class="conv-title">
                    {titleOf(c, props.names, props.groupName?.(c.conversationId))}
                  </span>
                  {c.muted && <span class="flag">muted</span>}
                  {c.lastMessage && (
                    <time
                      class="conv-time"
                      data-testid="conv-time"
                      dateTime={new Date(c.lastMessage.serverTime).toISOString()}
                      title={new Date(c.lastMessage.serverTime).toLocaleString()}
                    >
                      {listTime(c.lastMessage.serverTime, now)}
                    </time>
                  )}
                </span>
                <span class="conv-last">
                  {c.mentioned && <strong class="mention">[@you]</strong>}
                  {preview(c, props.me)}
                </span>
              </span>
              {c.unread > 0 && c.conversationId !== props.selected && (
                <span
                  class={c.muted ? "badge quiet" : "badge"}
                  data-testid="unread"
                  aria-label={`${c.unread} unread`}
                >
                  {c.unread > 99 ? "99+" : c.unread}
                </span>
              )}
              {c.unsent > 0 && <span class="badge warn" title="Unsent messages">!</span>}
              {c.mentioned && c.conversationId !== props.selected && (
                <span class="badge" data-testid="mentioned" title="You were mentioned">@</span>
              )}
            </button>
            {client.inbox.get(c.conversationId) && (
              <button
                type="button"
                class="conv-more"
                data-testid="conv-menu"
                aria-label="Conversation actions"
                aria-expanded={menu === c.conversationId}
                onClick={() => setMenu(menu === c.conversationId ? null : c.conversationId)}
              >
                ⋯
              </button>
            )}
            {menu === c.conversationId && (
              <div class="menu" role="menu">
                <button
                  type="button"
                  role="menuitem"
                  onClick={() => act(client.inbox.pin(c.conversationId, !c.pinned))}
                >
                  {c.pinned ? "Unpin" : "Pin"}
                </button>
                <button
                  type="button"
                  role="menuitem"
                  onClick={() => act(client.inbox.mute(c.conversationId, !c.muted))}
                >
                  {c.muted ? "Unmute" : "Mute"}
                </button>
                <button
                  type="button"
                  role="menuitem"
                  onClick={() => act(client.inbox.hide(c.conversationId))}
                >
                  Hide
                </button>
                <button
                  type="button"
                  role="menuitem"
                  class="danger"
                  onClick={() => {
                    if (confirm("Delete this conversation's history for you?")) {
                      act(client.inbox.deleteForMe(c.conversationId));
                    }
                  }}
                >
                  Delete for me
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {client.inbox.more && (
        <button
          type="button"
          class="link more"
          onClick={() => act(client.inbox.load(true))}
        >
          Show more conversations
        </button>
      )}
    </nav>
  );
}

function preview(c: Row, me: string): string {
  const m = c.lastMessage;
  if (!m) return c.unsent ? "Unsent message" : "";
  if (m.kind === "call") return callRecordText(m, me);
  const who = m.from === me ? "You: " : "";
  if (m.kind === "notice") return "Group updated";
  // Media without a caption: say what it is (`[image]`).
  return m.recalled || m.kind === "recall"
    ? `${who}message recalled`
    : who + (m.body.slice(0, 80) || `[${m.kind}]`);
}

/** A conversation's name: the other member's in a direct chat, a group's own name. */
export function titleOf(
  c: { peerId: string | null; conversationId: string },
  names: Directory,
  groupName?: string,
) {
  return c.peerId ? names.name(c.peerId) : groupName ?? c.conversationId;
}

export function initial(name: string): string {
  return (name.trim()[0] ?? "?").toUpperCase();
}
