/// <reference lib="dom" />
/** A group notice (kind "notice") as one line of plain words in the timeline. */
import type { GroupNotice } from "../../mod.ts";
import type { Directory } from "./names.ts";

export function noticeText(n: GroupNotice, names: Directory, me: string): string {
  const who = (id: string) => (id === me ? "you" : names.name(id));
  const actor = n.actor === me ? "You" : names.name(n.actor);
  const users = (n.users ?? []).map(who).join(", ");
  switch (n.event) {
    case "created":
      return `${actor} created the group${n.fields?.name ? ` “${n.fields.name}”` : ""}`;
    case "invited":
      return `${actor} added ${users}`;
    case "joined":
      return n.users?.[0] === n.actor ? `${actor} joined` : `${actor} let ${users} in`;
    case "left":
      return `${actor} left`;
    case "kicked":
      return `${actor} removed ${users}`;
    case "promoted":
      return `${actor} made ${users} an admin`;
    case "demoted":
      return `${actor} made ${users} a member`;
    case "transferred":
      return `${actor} handed the group over to ${users}`;
    case "muted":
      return `${actor} muted ${users} until ${new Date(n.until ?? 0).toLocaleString()}`;
    case "unmuted":
      return `${actor} unmuted ${users}`;
    case "mutedAll":
      return `${actor} muted everyone but the admins`;
    case "unmutedAll":
      return `${actor} let everyone speak again`;
    case "updated":
      return `${actor} changed the group's ${Object.keys(n.fields ?? {}).join(", ")}`;
    case "dissolved":
      return `${actor} dissolved the group`;
  }
}

export function NoticeLine(
  props: { notice: GroupNotice; seq: number; names: Directory; me: string },
) {
  return (
    <li class="notice" data-testid="notice" data-seq={props.seq} data-event={props.notice.event}>
      {noticeText(props.notice, props.names, props.me)}
    </li>
  );
}
