/// <reference lib="dom" />
/** The devices signed in to your account: which, when last seen, online now; sign one out. */
import { useEffect, useState } from "preact/hooks";
import { type AuthApi, describeError, type DeviceView, type ImClient } from "../../mod.ts";

export function DevicesPage(props: { client: ImClient; api: AuthApi }) {
  const { client, api } = props;
  const [devices, setDevices] = useState<DeviceView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api.devices(client.session.accessToken).then(setDevices, (e) => setError(describeError(e)));
  useEffect(() => void load(), [client]);

  async function signOut(d: DeviceView) {
    if (!confirm(`Sign out ${d.name || d.platform} (${d.deviceId})?`)) return;
    try {
      await api.signOutDevice(client.session.accessToken, d.deviceId);
      await load();
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <section class="page" aria-label="Devices">
      <h3>Your devices</h3>
      {error && <p class="error" role="alert">{error}</p>}
      {devices === null && !error && <p class="empty">Loading…</p>}
      <ul class="people">
        {(devices ?? []).map((d) => (
          <li key={d.deviceId} data-testid="device" data-device={d.deviceId}>
            <span
              class={`dot ${d.online ? "online" : ""}`}
              title={d.online ? "Online" : "Offline"}
            />
            <span class="who">
              <strong>{d.name || d.platform}{d.current ? " (this device)" : ""}</strong>
              <span class="hint">
                {d.platform} · {d.online ? "online now" : `last seen ${when(d.lastSeenAt)}`}
              </span>
            </span>
            {!d.current && (
              <button
                type="button"
                class="danger"
                onClick={() => signOut(d)}
              >
                Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
      <button type="button" class="link" onClick={load}>Refresh</button>
    </section>
  );
}

function when(t: number): string {
  return new Date(t).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}
