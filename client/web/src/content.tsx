/// <reference lib="dom" />
/**
 * What a message shows besides its text: an image's thumbnail (opening the original), a voice
 * note's player, a video, a file's download link, a place as coordinates with a map link, a
 * custom message's type; the quote of a reply, the "forwarded" mark and the reactions. Media
 * come through signed links (an `<img>` cannot send the token), fetched when first shown.
 */
import { useEffect, useState } from "preact/hooks";
import type { ImClient, MediaLink, MessageView } from "../../mod.ts";

function useLink(client: ImClient, mediaId: string | undefined): MediaLink | null {
  const [link, setLink] = useState<MediaLink | null>(null);
  useEffect(() => {
    if (!mediaId) return;
    let live = true;
    client.mediaLink(mediaId).then((l) => live && setLink(l), () => live && setLink(null));
    return () => void (live = false);
  }, [mediaId]);
  return link;
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const seconds = (ms?: number) => ms ? `${Math.round(ms / 1000)} s` : "";

export function Content(props: { client: ImClient; m: MessageView }) {
  const { m } = props;
  const link = useLink(props.client, m.media?.mediaId);
  if (m.media) {
    const md = m.media;
    if (m.kind === "image") {
      const t = md.thumb ?? { width: md.width ?? 320, height: md.height ?? 240 };
      return (
        <a class="media image" href={link?.url} target="_blank" rel="noopener" data-testid="image">
          {link?.thumbUrl
            ? <img src={link.thumbUrl} width={t.width} height={t.height} alt={md.name} />
            : <span class="placeholder" style={{ aspectRatio: `${t.width} / ${t.height}` }} />}
        </a>
      );
    }
    if (m.kind === "voice") {
      return (
        <div class="media voice" data-testid="voice">
          {link ? <audio controls preload="none" src={link.url} /> : "Voice note"}
          <span class="muted">{seconds(md.durationMs)}</span>
        </div>
      );
    }
    if (m.kind === "video") {
      return link
        ? (
          <video
            class="media video"
            controls
            preload="metadata"
            src={link.url}
            data-testid="video"
          />
        )
        : <div class="media video">Video {seconds(md.durationMs)}</div>;
    }
    return (
      <a class="media file" href={link?.url} download={md.name} data-testid="file">
        📄 {md.name} <span class="muted">{size(md.size)}</span>
      </a>
    );
  }
  if (m.location) {
    const { latitude: lat, longitude: lon } = m.location;
    const coords = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    const map = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
    return (
      <div class="media location" data-testid="location">
        📍 <a href={map} target="_blank" rel="noopener">{coords}</a>
      </div>
    );
  }
  if (m.custom) return <div class="media custom">[{m.custom.type}]</div>;
  return null;
}

export function Quote(props: { m: MessageView; name(userId: string): string }) {
  const q = props.m.replyTo;
  if (!q) return null;
  return (
    <blockquote class="quote" data-testid="quote">
      <b>{props.name(q.from)}</b> {q.recalled ? <i>Message recalled</i> : q.text || `[${q.kind}]`}
    </blockquote>
  );
}

export function Reactions(
  props: { m: MessageView; onToggle(emoji: string, add: boolean): void },
) {
  const list = props.m.reactions ?? [];
  if (list.length === 0) return null;
  return (
    <div class="reactions" data-testid="reactions">
      {list.map((r) => (
        <button
          type="button"
          key={r.emoji}
          class={r.me ? "reaction me" : "reaction"}
          aria-pressed={r.me}
          data-testid="reaction"
          onClick={() => props.onToggle(r.emoji, !r.me)}
        >
          {r.emoji} {r.count}
        </button>
      ))}
    </div>
  );
}
