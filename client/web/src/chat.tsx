/// <reference lib="dom" />
/**
 * The signed-in screen: connection banner, conversation list and the open conversation. On a
 * phone only one of the two panes shows at a time.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { type AuthApi, describeError, type ImClient } from "../../mod.ts";
import { ConnectionBanner } from "./banner.tsx";
import { ConversationView } from "./conversation.tsx";
import { ConversationList, initial } from "./conversations.tsx";
import { useClientVersion } from "./hooks.ts";
import { Directory } from "./names.ts";

export function Chat(props: { client: ImClient; api: AuthApi; onSignOut(): void }) {
  const { client, api } = props;
  const version = useClientVersion(client);
  const [, setNames] = useState(0);
  const names = useMemo(
    () => new Directory(api, () => client.session.accessToken, () => setNames((n) => n + 1)),
    [client],
  );
  const [peer, setPeer] = useState<string | null>(() =>
    new URL(location.href).hash.slice(1) || null
  );
  const [toast, setToast] = useState<string | null>(null);

  useEffect(() => {
    const onHash = () => setPeer(location.hash.slice(1) || null);
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);
  useEffect(() => client.on("error", (e) => console.warn("chat:", e)), [client]);

  const open = (peerId: string | null) => {
    location.hash = peerId ?? "";
    setPeer(peerId);
  };
  async function signOut() {
    try {
      await client.logout(api);
    } catch (e) {
      console.warn("logout:", describeError(e));
    }
    props.onSignOut();
  }

  const me = names.name(client.userId);
  return (
    <div class={peer ? "app chatting" : "app"}>
      <header class="top">
        <span class="avatar" aria-hidden="true">{initial(me)}</span>
        <span class="me" data-testid="me">{me}</span>
        <span class={`dot ${client.state}`} title={client.state} />
        <button type="button" class="link" onClick={signOut}>Log out</button>
      </header>
      <ConnectionBanner client={client} onSignOut={props.onSignOut} />
      <div class="panes">
        <ConversationList
          items={client.conversations()}
          me={client.userId}
          selected={peer ? client.conversationWith(peer) : null}
          names={names}
          onOpen={open}
        />
        {peer
          ? (
            <ConversationView
              client={client}
              peerId={peer}
              names={names}
              version={version}
              onBack={() => open(null)}
              onError={setToast}
            />
          )
          : (
            <section class="chat placeholder">
              Pick a conversation, or start one by username.
            </section>
          )}
      </div>
      {toast && <div class="toast" role="alert" onClick={() => setToast(null)}>{toast}</div>}
    </div>
  );
}
