/// <reference lib="dom" />
/**
 * One conversation: messages oldest first, older pages loaded when scrolled to the top, read
 * marks sent while the page is visible, and a composer whose draft survives reloads.
 */
import { Fragment } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  type Call,
  describeError,
  directPeer,
  type ImClient,
  type MessageView,
  parseConversationId,
  type TimelineItem,
} from "../../mod.ts";
import { forwardTargets, type MessageHandlers } from "./actions.tsx";
import { describePresence, PresenceDot, typingText, usePresence } from "./presence.tsx";
import { titleOf } from "./conversations.tsx";
import { MembersPanel, useMembers } from "./groups.tsx";
import { useTick } from "./hooks.ts";
import { Bubble } from "./message.tsx";
import type { Directory } from "./names.ts";
import { BlockButton } from "./block.tsx";
import { Composer } from "./composer.tsx";
import { dayKey, dayLabel } from "./time.ts";

/** How many messages the conversation holds: re-run effects when it grows. */
const messageCount = (client: ImClient, id: string) => client.store.get(id)?.messages.length ?? 0;

export function ConversationView(props: {
  client: ImClient;
  conversationId: string;
  names: Directory;
  version: number;
  /** A message to scroll to and outline (a search hit), loading history back to it. */
  focusSeq?: number | null;
  onBack(): void;
  onError(text: string): void;
  onCall(call: Call): void;
}) {
  const { client, conversationId } = props;
  const peer = directPeer(conversationId, client.userId);
  const group = client.groups.get(conversationId);
  const isGroup = parseConversationId(conversationId)?.kind === "group";
  const title = titleOf({ conversationId, peerId: peer }, props.names, group?.name);
  const [showMembers, setShowMembers] = useState(false);
  const { members, refresh } = useMembers(client, conversationId, group);
  useEffect(() => {
    if (isGroup && !group) client.groups.info(conversationId).catch(() => {});
  }, [conversationId]);
  // "Read by N" of the own messages shown, fetched on open and as messages come.
  useEffect(() => {
    if (isGroup && group?.role) {
      client.groups.refreshReceipts(
        conversationId,
        () => client.store.ownSeqs(conversationId, 100),
        0,
      );
    }
  }, [conversationId, group?.role, messageCount(client, conversationId)]);
  usePresence(client, [peer]);
  const typists = client.typingIn(conversationId).map((u) => props.names.name(u));
  const startCall = (media: "audio" | "video") =>
    client.call(conversationId, media).then(props.onCall, (e) => props.onError(describeError(e)));
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

  // Show a search hit in place: page history back to it, then scroll it into view.
  useEffect(() => {
    const seq = props.focusSeq;
    if (seq == null) return;
    let live = true;
    atBottom.current = false;
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    client.loadUntil(conversationId, seq).then(async () => {
      let el: Element | null | undefined = null;
      // The pages just loaded render on a later frame.
      for (let i = 0; i < 30 && live && !el; i++) {
        await frame();
        el = scroller.current?.querySelector(`[data-seq="${seq}"]`);
      }
      if (!el || !live) return;
      el.scrollIntoView({ block: "center" });
      // Not className: Preact owns it and would drop the mark on the next render.
      scroller.current!.querySelectorAll("[data-focused]").forEach((x) =>
        x.removeAttribute("data-focused")
      );
      el.setAttribute("data-focused", "");
    }).catch((e) => props.onError(describeError(e)));
    return () => {
      live = false;
    };
  }, [conversationId, props.focusSeq]);

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
  const [context, setContext] = useState<{ mode: "reply" | "edit"; m: MessageView } | null>(null);
  useEffect(() => setContext(null), [conversationId]);
  const fail = (e: unknown) => props.onError(describeError(e));
  const h: MessageHandlers = {
    onReply: (m) => setContext({ mode: "reply", m }),
    onEdit: (m) => setContext({ mode: "edit", m }),
    onReact: (m, emoji, add) => void client.react(m.msgId, emoji, add).catch(fail),
    onForward: (m, target) => void client.forward(m.msgId, target).catch(fail),
    targets: () => forwardTargets(client.conversations(), (c) => titleOf(c, props.names)),
  };
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
        {peer && <BlockButton client={client} peerId={peer} onError={props.onError} />}
        {isGroup && group && (
          <button
            type="button"
            class="link"
            data-testid="members-toggle"
            aria-expanded={showMembers}
            onClick={() => setShowMembers(!showMembers)}
          >
            {group.memberCount} members
          </button>
        )}
      </header>
      {showMembers && group && (
        <MembersPanel
          client={client}
          info={group}
          members={members}
          names={props.names}
          onChanged={() => refresh().catch(() => {})}
          onError={props.onError}
        />
      )}
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
        {items.map((item, i) => (
          <Fragment
            key={item.kind === "message" ? item.message.msgId : item.outgoing.clientMsgId}
          >
            {dayKey(timeOf(item)) !== (i > 0 ? dayKey(timeOf(items[i - 1])) : null) && (
              <li class="day" data-testid="day" role="separator">{dayLabel(timeOf(item), now)}</li>
            )}
            <Bubble
              item={item}
              now={now}
              client={client}
              name={(u) => props.names.name(u)}
              h={h}
              onRecall={recall}
              onRetry={retry}
              onDiscard={(id) => client.discard(id)}
              group={isGroup ? { client, names: props.names } : undefined}
            />
          </Fragment>
        ))}
      </ol>
      <div class="typing" data-testid="typing" aria-live="polite">{typingText(typists)}</div>
      {isGroup && group && group.role === null
        ? <p class="gone" data-testid="not-member">You are no longer in this group.</p>
        : (
          <Composer
            client={client}
            conversationId={conversationId}
            context={context}
            onDone={() => setContext(null)}
            onError={props.onError}
            onSend={() => (atBottom.current = true)}
            mentionable={isGroup
              ? { members, names: props.names, all: group?.role !== "member" }
              : undefined}
          />
        )}
    </section>
  );
}

/** When an item happened: the server's time once stored, the device's before. */
function timeOf(item: TimelineItem): number {
  return item.kind === "message" ? item.message.serverTime : item.outgoing.createdAt;
}
