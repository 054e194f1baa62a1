/// <reference lib="dom" />
/**
 * The composer's extras: an attachment (chosen with the paperclip, shown as a preview with its
 * upload progress), and the bar that says what the next send replies to or edits.
 */
import { useEffect, useState } from "preact/hooks";
import type { MediaKind, MessageView } from "../../mod.ts";
import { size } from "./content.tsx";

/** The kind the server will be asked for; it decides from the bytes whether it agrees. */
export function kindOf(file: File): MediaKind {
  if (file.type.startsWith("image/")) return "image";
  if (file.type.startsWith("audio/")) return "voice";
  if (file.type.startsWith("video/")) return "video";
  return "file";
}

export function Attachment(
  props: { file: File; progress: number | null; onRemove(): void },
) {
  const { file } = props;
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    if (kindOf(file) !== "image") return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  return (
    <div class="attachment" data-testid="attachment">
      {preview ? <img src={preview} alt="" /> : <span class="file-icon">📄</span>}
      <span class="name">
        {file.name} <span class="muted">{size(file.size)}</span>
      </span>
      {props.progress !== null
        ? <progress max={1} value={props.progress} data-testid="upload-progress" />
        : <button type="button" class="link" onClick={props.onRemove}>Remove</button>}
    </div>
  );
}

export function ContextBar(
  props: { mode: "reply" | "edit"; m: MessageView; onCancel(): void },
) {
  return (
    <div class="context-bar" data-testid="context-bar">
      <span>
        {props.mode === "reply" ? "Replying to" : "Editing"}:{" "}
        <i>{props.m.body.slice(0, 80) || `[${props.m.kind}]`}</i>
      </span>
      <button type="button" class="link" onClick={props.onCancel}>Cancel</button>
    </div>
  );
}
