/// <reference lib="dom" />
/**
 * The call screens: incoming (accept / decline), outgoing (calling… / cancel) and in call
 * (remote and local video, duration, hang up). One call at a time; the server answers any other
 * caller "busy" meanwhile.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { type Call, type CallPhase, describeError, type ImClient } from "../../mod.ts";
import type { Directory } from "./names.ts";
import { RtcSession } from "./rtc.ts";
import { useTick } from "./hooks.ts";

const ENDED: Record<string, string> = {
  rejected: "Call declined",
  cancelled: "Call cancelled",
  timeout: "No answer",
  hangup: "Call ended",
  dropped: "Connection lost",
  busy: "Busy",
  answered_elsewhere: "Answered on another device",
  limit: "Call ended",
};

/** Shows incoming calls by itself; `call` is the one in progress (started here or answered). */
export function CallLayer(props: {
  client: ImClient;
  names: Directory;
  call: Call | null;
  onCall(call: Call | null): void;
}) {
  const { client, call } = props;
  useEffect(() =>
    client.on("call", (c) => {
      if (!props.call || props.call.phase === "ended") props.onCall(c);
    }), [client, call]);
  if (!call) return null;
  return (
    <CallView
      key={call.callId}
      call={call}
      names={props.names}
      onClose={() => props.onCall(null)}
    />
  );
}

function CallView(props: { call: Call; names: Directory; onClose(): void }) {
  const { call } = props;
  const [phase, setPhase] = useState<CallPhase>(call.phase);
  const [error, setError] = useState<string | null>(null);
  const [frames, setFrames] = useState(0);
  const remote = useRef<HTMLVideoElement>(null);
  const local = useRef<HTMLVideoElement>(null);
  const rtc = useRef<RtcSession | null>(null);
  useTick(1000);
  const who = props.names.name(call.peer);
  const kind = call.media === "video" ? "video call" : "voice call";

  const media = () => {
    rtc.current ??= new RtcSession(call, {
      onLocal: (s) => local.current && (local.current.srcObject = s),
      onRemote: (s) => remote.current && (remote.current.srcObject = s),
      onError: setError,
    });
    return rtc.current.start();
  };

  useEffect(() => {
    const off = call.on("state", (p) => setPhase(p));
    if (call.direction === "outgoing") media().catch((e) => setError(describeError(e)));
    return () => {
      off();
      rtc.current?.close();
    };
  }, [call]);
  useEffect(() => {
    if (phase !== "ended") return;
    rtc.current?.close();
    const t = setTimeout(props.onClose, 2500);
    return () => clearTimeout(t);
  }, [phase]);
  useEffect(() => {
    if (phase !== "active") return;
    const t = setInterval(() => rtc.current?.framesReceived().then(setFrames), 500);
    return () => clearInterval(t);
  }, [phase]);

  async function accept() {
    try {
      await media();
      await call.accept();
    } catch (e) {
      setError(describeError(e));
    }
  }
  const end = () => call.end().catch((e) => setError(describeError(e)));

  const elapsed = phase === "active" && call.answeredAt ? clock(Date.now() - call.answeredAt) : "";
  return (
    <div
      class={`call-screen ${phase}`}
      role="dialog"
      aria-label={`${kind} with ${who}`}
      data-testid="call"
      data-phase={phase}
    >
      <div class="call-videos" hidden={phase !== "active" || call.media !== "video"}>
        <video
          ref={remote}
          class="remote"
          data-testid="remote-video"
          data-frames={frames}
          autoplay
          playsInline
        />
        <video ref={local} class="local" data-testid="local-video" autoplay playsInline muted />
      </div>
      <p class="call-who">{who}</p>
      <p class="call-status" data-testid="call-status">
        {phase === "ringing"
          ? call.direction === "incoming" ? `Incoming ${kind}…` : `Calling… (${kind})`
          : phase === "active"
          ? elapsed
          : ENDED[call.endReason ?? "hangup"]}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="call-actions">
        {phase === "ringing" && call.direction === "incoming" && (
          <>
            <button type="button" class="primary" data-testid="accept-call" onClick={accept}>
              Accept
            </button>
            <button type="button" class="danger" data-testid="reject-call" onClick={end}>
              Decline
            </button>
          </>
        )}
        {phase === "ringing" && call.direction === "outgoing" && (
          <button type="button" class="danger" data-testid="cancel-call" onClick={end}>
            Cancel
          </button>
        )}
        {phase === "active" && (
          <button type="button" class="danger" data-testid="hangup" onClick={end}>Hang up</button>
        )}
        {phase === "ended" && <button type="button" onClick={props.onClose}>Close</button>}
      </div>
    </div>
  );
}

/** "Missed video call", "Voice call · 1:05", ... for a call record in the history. */
export function callRecordText(
  m: { from: string; call?: { outcome: string; media: string; durationMs: number } },
  me: string,
): string {
  const c = m.call;
  if (!c) return "Call";
  const kind = c.media === "video" ? "video call" : "voice call";
  const mine = m.from === me; // records are sent as the caller
  switch (c.outcome) {
    case "finished":
      return `${cap(kind)} · ${clock(c.durationMs)}`;
    case "rejected":
      return mine ? `${cap(kind)} declined` : `Declined ${kind}`;
    case "busy":
      return mine ? `${cap(kind)}: busy` : `Missed ${kind} (you were busy)`;
    default:
      return mine ? `${cap(kind)}: no answer` : `Missed ${kind}`;
  }
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
