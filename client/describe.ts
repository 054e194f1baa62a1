/** One line of plain text for any message kind: for terminals, notifications and logs. */
import type { MessageView } from "@im/protocol";

const kb = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
    ? `${Math.round(n / 1024)} KB`
    : `${(n / 1048576).toFixed(1)} MB`;
const secs = (ms?: number) => ms ? ` ${Math.round(ms / 1000)} s` : "";

export function describeMessage(m: MessageView): string {
  // A recall notice carries no text of its own: still say something, never an empty line.
  if (m.recalled || m.kind === "recall") return "(recalled)";
  if (m.kind === "edit") return "(edited)";
  const parts: string[] = [];
  if (m.forwarded) parts.push("(forwarded)");
  if (m.replyTo) parts.push(`↪ #${m.replyTo.seq} "${m.replyTo.text || m.replyTo.kind}"`);
  const md = m.media;
  switch (m.kind) {
    case "image":
      parts.push(`[image${md?.width ? ` ${md.width}×${md.height}` : ""} ${md?.name ?? ""}]`);
      break;
    case "voice":
      parts.push(`[voice${secs(md?.durationMs)}]`);
      break;
    case "video":
      parts.push(`[video${secs(md?.durationMs)} ${md?.name ?? ""}]`);
      break;
    case "file":
      parts.push(`[file ${md?.name ?? ""} ${md ? kb(md.size) : ""}]`);
      break;
    case "location": {
      const l = m.location;
      parts.push(l ? `[location ${l.latitude}, ${l.longitude}]` : "[location]");
      break;
    }
    case "custom":
      parts.push(`[${m.custom?.type ?? "custom"}]`);
      break;
    case "call": {
      const c = m.call;
      const how = c?.outcome === "finished" ? `${Math.round(c.durationMs / 1000)} s` : c?.outcome;
      parts.push(c ? `(${c.media} call, ${how})` : "(call)");
      break;
    }
  }
  if (m.body) parts.push(m.body.replaceAll("\n", " — "));
  if (m.edited) parts.push("(edited)");
  return parts.join(" ");
}
