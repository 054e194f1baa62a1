/// <reference lib="dom" />
/**
 * The signed-in screen: connection banner, conversation list and the open conversation. On a
 * phone only one of the two panes shows at a time.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import {
  type AuthApi,
  type Call,
  describeError,
  type ImClient,
  parseConversationId,
} from "../../mod.ts";
import { CallLayer } from "./call.tsx";
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
  const [open, setOpen] = useState<string | null>(() => conversationOfHash(client));
  const [toast, setToast] = useState<string | null>(null);
  const [call, setCall] = useState<Call | null>(null);

  useEffect(() => {
    const onHash = () => setOpen(conversationOfHash(client));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);
  useEffect(() => client.on("error", (e) => console.warn("chat:", e)), [client]);

  const show = (conversationId: string | null) => {
    location.hash = conversationId ?? "";
    setOpen(conversationId);
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
    <div class={open ? "app chatting" : "app"}>
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
          client={client}
          selected={open}
          names={names}
          onOpen={show}
          onStart={(userId) => show(client.conversationWith(userId))}
        />
        {open
          ? (
            <ConversationView
              client={client}
              conversationId={open}
              names={names}
              version={version}
              onBack={() => show(null)}
              onError={setToast}
              onCall={setCall}
            />
          )
          : (
            <section class="chat placeholder">
              Pick a conversation, or start one by username.
            </section>
          )}
      </div>
      {toast && <div class="toast" role="alert" onClick={() => setToast(null)}>{toast}</div>}
      <CallLayer client={client} names={names} call={call} onCall={setCall} />
    </div>
  );
}

/** The conversation the URL names: `#<conversationId>`, or an older `#<userId>` link. */
function conversationOfHash(client: ImClient): string | null {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (/^[1-9][0-9]*$/.test(hash)) return client.conversationWith(hash);
  return parseConversationId(hash) ? hash : null;
}
