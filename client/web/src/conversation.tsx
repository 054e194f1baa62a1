/// <reference lib="dom" />
/**
 * One conversation: messages oldest first, older pages loaded when scrolled to the top, read
 * marks sent while the page is visible, and a composer whose draft survives reloads.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { type Call, describeError, directPeer, type ImClient } from "../../mod.ts";
import { describePresence, PresenceDot, typingText, usePresence } from "./presence.tsx";
import { titleOf } from "./conversations.tsx";
import { useTick } from "./hooks.ts";
import { Bubble } from "./message.tsx";
import type { Directory } from "./names.ts";
import { loadDraft, saveDraft } from "./storage.ts";

export function ConversationView(props: {
  client: ImClient;
  conversationId: string;
  names: Directory;
  version: number;
  onBack(): void;
  onError(text: string): void;
  onCall(call: Call): void;
}) {
  const { client, conversationId } = props;
  const peer = directPeer(conversationId, client.userId);
  usePresence(client, [peer]);
  const typists = client.typingIn(conversationId).map((u) => props.names.name(u));
  const startCall = (media: "audio" | "video") =>
    client.call(conversationId, media).then(props.onCall, (e) => props.onError(describeError(e)));
  const title = titleOf(
    { conversationId, peerId: directPeer(conversationId, client.userId) },
    props.names,
  );
  const items = client.timeline(conversationId);
  useTick(10_000);
  const now = Date.now();
  const scroller = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);
  const restoreFrom = useRef<number | null>(null);
  const [older, setOlder] = useState<"idle" | "loading" | "done">("idle");
  useEffect(() => setOlder("idle"), [conversationId]);
  const oldest = client.store.oldestSeq(conversationId);
  const atStart = older === "done" || client.store.atStart(conversationId);

  // Keep the view pinned to the newest message, or in place after older ones are prepended.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (restoreFrom.current !== null) {
      el.scrollTop = el.scrollHeight - restoreFrom.current;
      restoreFrom.current = null;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
  }, [props.version, conversationId, items.length]);

  // Read while visible: everything received so far.
  useEffect(() => {
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      if (client.store.unread(conversationId) === 0) return;
      client.markRead(conversationId).catch((e) => props.onError(describeError(e)));
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [props.version, conversationId]);

  async function loadOlder() {
    if (older !== "idle" || atStart || oldest === null || client.state !== "online") return;
    setOlder("loading");
    restoreFrom.current = scroller.current!.scrollHeight - scroller.current!.scrollTop;
    try {
      const page = await client.loadOlder(conversationId, 30);
      setOlder(page.more && page.messages.length > 0 ? "idle" : "done");
    } catch (e) {
      restoreFrom.current = null;
      setOlder("idle");
      props.onError(`Could not load earlier messages. ${describeError(e)}`);
    }
  }

  function onScroll() {
    const el = scroller.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 60) void loadOlder();
  }

  const recall = (msgId: string) =>
    client.recall(msgId).catch((e) => props.onError(describeError(e)));
  const retry = (id: string) => client.retry(id).catch(() => {}); // the bubble shows the outcome

  return (
    <section class="chat" aria-label={`Chat with ${title}`}>
      <header class="chat-head">
        <button
          type="button"
          class="back"
          onClick={props.onBack}
          aria-label="Back to conversations"
        >
          ‹
        </button>
        {peer && <PresenceDot view={client.presenceOf(peer)} />}
        <div class="chat-title">
          <h2 data-testid="chat-title">{title}</h2>
          {peer && (
            <span class="chat-sub" data-testid="last-seen">
              {describePresence(client.presenceOf(peer))}
            </span>
          )}
        </div>
        {peer && (
          <div class="call-buttons">
            <button
              type="button"
              data-testid="call-audio"
              aria-label="Voice call"
              onClick={() => startCall("audio")}
            >
              Call
            </button>
            <button
              type="button"
              data-testid="call-video"
              aria-label="Video call"
              onClick={() => startCall("video")}
            >
              Video
            </button>
          </div>
        )}
      </header>
      <ol class="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
        <li class="older" data-testid="older">
          {oldest === null
            ? "Say hello!"
            : atStart
            ? "Beginning of the conversation"
            : older === "loading"
            ? "Loading earlier messages…"
            : <button type="button" onClick={loadOlder}>Load earlier messages</button>}
        </li>
        {items.map((item) => (
          <Bubble
            key={item.kind === "message" ? item.message.msgId : item.outgoing.clientMsgId}
            item={item}
            now={now}
            onRecall={recall}
            onRetry={retry}
            onDiscard={(id) => client.discard(id)}
            me={client.userId}
          />
        ))}
      </ol>
      <div class="typing" data-testid="typing" aria-live="polite">{typingText(typists)}</div>
      <Composer
        client={client}
        conversationId={conversationId}
        onSend={() => (atBottom.current = true)}
      />
    </section>
  );
}

function Composer(
  props: { client: ImClient; conversationId: string; onSend(): void },
) {
  const [text, setText] = useState(() => loadDraft(props.conversationId));
  useEffect(() => setText(loadDraft(props.conversationId)), [props.conversationId]);

  function update(value: string) {
    setText(value);
    saveDraft(props.conversationId, value);
    if (value.trim()) props.client.typingInput(props.conversationId);
    else props.client.typingDone(props.conversationId);
  }

  function send(e?: Event) {
    e?.preventDefault();
    const body = text.trim();
    if (!body) return;
    props.onSend();
    // Failures stay visible on the message itself, with Retry.
    props.client.send(props.conversationId, body).catch(() => {});
    update("");
  }

  return (
    <form class="composer" onSubmit={send}>
      <textarea
        data-testid="composer"
        aria-label="Message"
        placeholder="Message"
        rows={1}
        maxLength={4000}
        value={text}
        onInput={(e) => update(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
        }}
      />
      <button type="submit" class="primary" disabled={!text.trim()}>Send</button>
    </form>
  );
}
