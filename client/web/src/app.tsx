/// <reference lib="dom" />
/** The app's root: restores a saved session or shows the login, and owns the SDK client. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { AuthApi, ImClient, type LoginResult, type Session } from "../../mod.ts";
import { Chat } from "./chat.tsx";
import { Login } from "./login.tsx";
import { outboxStorage, saveCursors, savedCursors, savedSession, saveSession } from "./storage.ts";

function newClient(api: AuthApi, session: Session | LoginResult): ImClient {
  const client = new ImClient({
    api,
    session,
    outboxStorage: outboxStorage(session.userId),
    cursors: savedCursors(session.userId),
  });
  client.on("session", saveSession);
  saveSession(client.session);
  let queued = false;
  client.on("change", () => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      saveCursors(client.userId, client.store.cursors());
    }, 1000);
  });
  return client;
}

export function App() {
  const api = useMemo(() => new AuthApi(location.origin), []);
  const [client, setClient] = useState<ImClient | null>(() => {
    const s = savedSession();
    return s && s.refreshExpiresAt > Date.now() ? newClient(api, s) : null;
  });
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    if (!client) return;
    const off = client.on("state", (s) => {
      // The server ended this session: back to the login, saying why.
      // 4110: a newer login of this kind of device; 4111: signed out from another device.
      if (s.state === "stopped" && [4100, 4110, 4111].includes(s.code ?? 0)) signOut(s.message);
    });
    client.connect().catch(() => {});
    const online = () => client.reconnectNow();
    addEventListener("online", online);
    return () => {
      off();
      removeEventListener("online", online);
      client.close();
    };
  }, [client]);

  function signOut(message?: string) {
    saveSession(null);
    setNotice(message);
    setClient(null);
  }

  if (!client) {
    return (
      <Login
        api={api}
        notice={notice}
        onLogin={(r) => setClient(newClient(api, r))}
      />
    );
  }
  return <Chat client={client} api={api} onSignOut={() => signOut()} />;
}
