/// <reference lib="dom" />
/** The conversation list: newest first, unread counts, a way to start a new chat. */
import { useState } from "preact/hooks";
import { type ConversationSummary, describeError, type ImClient } from "../../mod.ts";
import type { Directory } from "./names.ts";
import { callRecordText } from "./call.tsx";
import { PresenceDot, usePresence } from "./presence.tsx";

export function ConversationList(props: {
  items: ConversationSummary[];
  me: string;
  selected: string | null;
  names: Directory;
  /** Online dots of the direct chats' peers. */
  client: ImClient;
  onOpen(conversationId: string): void;
  /** Starts (or opens) the direct chat with a user. */
  onStart(userId: string): void;
}) {
  const [who, setWho] = useState("");
  usePresence(props.client, props.items.map((c) => c.peerId));
  const [error, setError] = useState<string | null>(null);

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
      {props.items.length === 0 && <p class="empty">No conversations yet.</p>}
      <ul>
        {props.items.map((c) => (
          <li key={c.conversationId}>
            <button
              type="button"
              data-testid="conv"
              data-conversation={c.conversationId}
              class={c.conversationId === props.selected ? "conv selected" : "conv"}
              onClick={() => props.onOpen(c.conversationId)}
            >
              <span class="avatar" aria-hidden="true">{initial(titleOf(c, props.names))}</span>
              {c.peerId && <PresenceDot view={props.client.presenceOf(c.peerId)} />}
              <span class="conv-main">
                <span class="conv-name">{titleOf(c, props.names)}</span>
                <span class="conv-last">{preview(c, props.me)}</span>
              </span>
              {c.unread > 0 && c.conversationId !== props.selected && (
                <span class="badge" data-testid="unread" aria-label={`${c.unread} unread`}>
                  {c.unread}
                </span>
              )}
              {c.unsent > 0 && <span class="badge warn" title="Unsent messages">!</span>}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function preview(c: ConversationSummary, me: string): string {
  const m = c.lastMessage;
  if (!m) return c.unsent ? "Unsent message" : "";
  if (m.kind === "call") return callRecordText(m, me);
  const who = m.from === me ? "You: " : "";
  return m.recalled ? `${who}message recalled` : who + m.body.slice(0, 80);
}

/** A conversation's name: the other member's in a direct chat. */
export function titleOf(c: { peerId: string | null; conversationId: string }, names: Directory) {
  return c.peerId ? names.name(c.peerId) : c.conversationId;
}

export function initial(name: string): string {
  return (name.trim()[0] ?? "?").toUpperCase();
}
