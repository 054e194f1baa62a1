/// <reference lib="dom" />
/**
 * The composer: a draft that survives reloads, an attachment, replies and edits, mentions, and
 * the server's length limit shown as a counter (never a silent cut: the text stays as typed).
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { describeError, type GroupMember, type ImClient, type MessageView } from "../../mod.ts";
import { Attachment, ContextBar, kindOf } from "./attach.tsx";
import {
  candidates,
  insertMention,
  MentionPicker,
  mentionsIn,
  typingMention,
} from "./mentions.tsx";
import type { Directory } from "./names.ts";
import { loadDraft, saveDraft } from "./storage.ts";

/** Until the server's hello says otherwise (MAX_BODY_CHARS' default). */
const DEFAULT_MAX_CHARS = 5000;
/** The counter shows from this share of the limit on. */
const COUNT_FROM = 0.8;

/** Characters as the server counts them: Unicode code points, not UTF-16 units. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function Composer(
  props: {
    client: ImClient;
    conversationId: string;
    context: { mode: "reply" | "edit"; m: MessageView } | null;
    onDone(): void;
    onError(text: string): void;
    onSend(): void;
    /** Groups: whom "@" offers. */
    mentionable?: { members: GroupMember[]; names: Directory; all: boolean };
  },
) {
  const [text, setText] = useState(() => loadDraft(props.conversationId));
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [picked, setPicked] = useState(new Map<string, string>());
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => setText(loadDraft(props.conversationId)), [props.conversationId]);
  useEffect(() => setFile(null), [props.conversationId]);
  const editing = props.context?.mode === "edit" ? props.context.m : null;
  // Before paint, not after: the edit bar and the message's text appear together, so what the
  // user types next replaces the text instead of landing beside it (a deferred effect filled
  // the box after the bar showed, and an immediate keystroke or paste was joined to it).
  useLayoutEffect(() => {
    if (editing) setText(editing.body);
  }, [editing?.msgId]);
  const max = props.client.limits?.maxBodyChars ?? DEFAULT_MAX_CHARS;
  const count = charCount(text.trim());
  const over = count - max;
  const query = props.mentionable && !editing ? typingMention(text) : null;
  const m = props.mentionable;
  const options = m && query !== null
    ? candidates(query, m.members, props.client.userId, m.names, m.all)
    : [];
  const pick = (c: { id: string; label: string }) => {
    setPicked(new Map(picked).set(c.id, c.label));
    update(insertMention(text, c.label));
  };

  function update(value: string) {
    setText(value);
    saveDraft(props.conversationId, value);
    if (value.trim()) props.client.typingInput(props.conversationId);
    else props.client.typingDone(props.conversationId);
  }

  async function send(e?: Event) {
    e?.preventDefault();
    const body = text.trim();
    if (over > 0) return; // said below the box; the text stays for the user to shorten
    const replyTo = props.context?.mode === "reply" ? props.context.m.msgId : undefined;
    if (editing) {
      if (!body && editing.kind === "text") return;
      props.onDone();
      update("");
      return void props.client.edit(editing.msgId, body).catch((err) =>
        props.onError(describeError(err))
      );
    }
    if (file) {
      if (progress !== null) return; // already uploading
      props.onSend();
      setProgress(0);
      try {
        await props.client.sendMedia(props.conversationId, {
          kind: kindOf(file),
          name: file.name,
          body: file,
          caption: body || undefined,
          replyTo,
          onProgress: (p) => setProgress(p.loaded / (p.total ?? file.size)),
        });
        setFile(null);
        update("");
        props.onDone();
      } catch (err) {
        props.onError(describeError(err));
      } finally {
        setProgress(null);
      }
      return;
    }
    if (!body) return;
    props.onSend();
    // Failures stay visible on the message itself, with Retry.
    props.client.send(props.conversationId, body, { replyTo, ...mentionsIn(body, picked) })
      .catch(() => {});
    setPicked(new Map());
    update("");
    props.onDone();
  }

  return (
    <div class="composer-wrap">
      {props.context && (
        <ContextBar
          mode={props.context.mode}
          m={props.context.m}
          onCancel={() => (props.onDone(), editing && update(""))}
        />
      )}
      {file && <Attachment file={file} progress={progress} onRemove={() => setFile(null)} />}
      <form class="composer" onSubmit={send}>
        <MentionPicker items={options} onPick={pick} />
        <input
          type="file"
          hidden
          ref={picker}
          data-testid="file-input"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) setFile(f);
            e.currentTarget.value = "";
          }}
        />
        <button
          type="button"
          class="attach"
          aria-label="Attach a file"
          disabled={!!editing}
          onClick={() => picker.current?.click()}
        >
          Attach
        </button>
        <textarea
          data-testid="composer"
          aria-label="Message"
          placeholder="Message"
          rows={1}
          value={text}
          aria-invalid={over > 0}
          aria-describedby="composer-count"
          onInput={(e) => update(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              if (options.length) {
                e.preventDefault();
                return pick(options[0]);
              }
              send(e);
            }
          }}
        />
        <button
          type="submit"
          class="primary"
          disabled={over > 0 || (!text.trim() && !file && !(editing && editing.kind !== "text"))}
        >
          {editing ? "Save" : "Send"}
        </button>
      </form>
      <div
        id="composer-count"
        class={over > 0 ? "composer-count over" : "composer-count"}
        data-testid="composer-count"
        aria-live="polite"
        hidden={count < max * COUNT_FROM}
      >
        {over > 0
          ? `Too long to send: ${count.toLocaleString()} characters, the limit is ${max.toLocaleString()}. Remove ${over.toLocaleString()}.`
          : `${count.toLocaleString()} / ${max.toLocaleString()}`}
      </div>
    </div>
  );
}
