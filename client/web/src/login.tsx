/// <reference lib="dom" />
/** Log in or create an account; errors are said in plain words next to the form. */
import { useState } from "preact/hooks";
import { type AuthApi, describeError, type LoginResult } from "../../mod.ts";
import { deviceId } from "./storage.ts";

export function Login(
  props: { api: AuthApi; notice?: string; onLogin(r: LoginResult): void },
) {
  const [mode, setMode] = useState<"login" | "register">("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [nickname, setNickname] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const name = username.trim().toLowerCase();
    try {
      if (mode === "register") {
        await props.api.register({
          username: name,
          password,
          ...(nickname.trim() ? { nickname: nickname.trim() } : {}),
        });
      }
      props.onLogin(
        await props.api.login({
          username: name,
          password,
          deviceId: deviceId(),
          platform: "web",
          deviceName: browserName(),
        }),
      );
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  }

  const registering = mode === "register";
  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-busy={busy}>
        <h1>Chat</h1>
        {props.notice && !error && <p class="notice" role="status">{props.notice}</p>}
        <label>
          Username
          <input
            id="username"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        {registering && (
          <label>
            Display name <span class="hint">(optional)</span>
            <input
              id="nickname"
              name="nickname"
              value={nickname}
              onInput={(e) => setNickname(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          Password
          <input
            id="password"
            name="password"
            type="password"
            autocomplete={registering ? "new-password" : "current-password"}
            required
            minLength={registering ? 8 : undefined}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {registering && <p class="hint">3–32 of a–z, 0–9 and _; passwords 8 or more characters.</p>}
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Please wait…" : registering ? "Create account" : "Log in"}
        </button>
        <button
          type="button"
          class="link"
          onClick={() => {
            setMode(registering ? "login" : "register");
            setError(null);
          }}
        >
          {registering ? "I have an account: log in" : "New here? Create an account"}
        </button>
      </form>
    </main>
  );
}

/** A name for this browser in the devices list ("Chrome on Linux"). */
function browserName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
    ? "Firefox"
    : /Chrome\//.test(ua)
    ? "Chrome"
    : /Safari\//.test(ua)
    ? "Safari"
    : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
    ? "iOS"
    : /Mac OS/.test(ua)
    ? "macOS"
    : /Windows/.test(ua)
    ? "Windows"
    : /Linux/.test(ua)
    ? "Linux"
    : "";
  return os ? `${browser} on ${os}` : browser;
}
