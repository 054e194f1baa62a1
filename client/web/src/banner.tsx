/// <reference lib="dom" />
/** The connection state, visible whenever the app is not simply online. */
import { useEffect, useState } from "preact/hooks";
import type { ImClient, StateChange } from "../../mod.ts";

export function ConnectionBanner(props: { client: ImClient; onSignOut(): void }) {
  const { client } = props;
  const [change, setChange] = useState<StateChange>({ state: client.state, attempt: 0 });
  const [now, setNow] = useState(Date.now());
  const [since, setSince] = useState(Date.now());
  useEffect(() => client.on("state", (s) => (setChange(s), setSince(Date.now()))), [client]);
  useEffect(() => {
    if (change.state !== "reconnecting") return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [change.state]);

  const { state } = change;
  if (state === "online") {
    return <div class="banner hidden" data-testid="conn" data-state={state} />;
  }
  let text: string;
  let action = null;
  if (state === "connecting" || state === "idle") text = "Connecting…";
  else if (state === "syncing") text = "Catching up…";
  else if (state === "reconnecting") {
    const left = Math.max(0, Math.ceil(((change.retryInMs ?? 0) - (now - since)) / 1000));
    text = left > 0
      ? `Connection lost. Reconnecting in ${left} s… Messages you send will go out then.`
      : "Connection lost. Reconnecting…";
    action = <button type="button" onClick={() => client.reconnectNow()}>Retry now</button>;
  } else {
    const ended = change.code === 4100;
    text = change.message ?? "Disconnected.";
    action = ended
      ? <button type="button" onClick={props.onSignOut}>Log in again</button>
      : <button type="button" onClick={() => client.reconnectNow()}>Reconnect</button>;
  }
  return (
    <div class={`banner ${state}`} role="status" data-testid="conn" data-state={state}>
      <span>{text}</span>
      {action}
    </div>
  );
}
