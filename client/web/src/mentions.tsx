/// <reference lib="dom" />
/**
 * Mentions in the composer: typing "@" in a group offers its members (and "everyone" to the
 * owner and admins); a pick writes "@name" into the text and remembers whom it names, and only
 * the names still in the text when it is sent are mentioned.
 */
import type { GroupMember } from "../../mod.ts";
import type { Directory } from "./names.ts";

export const ALL = "all";

/** The "@query" being typed at the end of the text, or null. */
export function typingMention(text: string): string | null {
  const m = /(?:^|\s)@([^\s@]*)$/.exec(text);
  return m ? m[1].toLowerCase() : null;
}

export function candidates(
  query: string,
  members: GroupMember[],
  me: string,
  names: Directory,
  canMentionAll: boolean,
): Array<{ id: string; label: string }> {
  const all = canMentionAll ? [{ id: ALL, label: "everyone" }] : [];
  const people = members.filter((m) => m.userId !== me)
    .map((m) => ({ id: m.userId, label: names.name(m.userId) }));
  return [...all, ...people].filter((c) => c.label.toLowerCase().includes(query)).slice(0, 8);
}

/** Replaces the "@query" at the end with "@label ". */
export function insertMention(text: string, label: string): string {
  return text.replace(/@([^\s@]*)$/, `@${label} `);
}

/** The picked mentions whose "@label" is still in the text. */
export function mentionsIn(text: string, picked: Map<string, string>) {
  const present = [...picked].filter(([, label]) => text.includes(`@${label}`)).map(([id]) => id);
  return {
    mentions: present.filter((id) => id !== ALL),
    mentionAll: present.includes(ALL),
  };
}

export function MentionPicker(props: {
  items: Array<{ id: string; label: string }>;
  onPick(item: { id: string; label: string }): void;
}) {
  if (props.items.length === 0) return null;
  return (
    <ul class="mention-picker" role="listbox" data-testid="mention-picker">
      {props.items.map((c) => (
        <li key={c.id}>
          <button
            type="button"
            role="option"
            data-testid="mention-option"
            onMouseDown={(e) => {
              e.preventDefault(); // keep the composer's focus
              props.onPick(c);
            }}
          >
            @{c.label}
          </button>
        </li>
      ))}
    </ul>
  );
}
