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
import { NewGroupForm } from "./groups.tsx";
import { useClientVersion } from "./hooks.ts";
import { Directory } from "./names.ts";
import { runSearch, SearchBox, SearchResults, type SearchState } from "./search.tsx";
import { FriendsPage } from "./friends.tsx";
import { ProfilePage } from "./profile.tsx";
import { DevicesPage } from "./devices.tsx";
import { ConnectionState, useUnreadTitle } from "./status.tsx";

type View = "chats" | "friends" | "profile" | "devices";
const VIEWS: Array<[View, string]> = [
  ["chats", "Chats"],
  ["friends", "Friends"],
  ["profile", "Profile"],
  ["devices", "Devices"],
];

export function Chat(props: { client: ImClient; api: AuthApi; onSignOut(): void }) {
  const { client, api } = props;
  const version = useClientVersion(client);
  useUnreadTitle(client, version);
  const [, setNames] = useState(0);
  const names = useMemo(
    () =>
      new Directory(
        api,
        () => client.session.accessToken,
        () => setNames((n) => n + 1),
        (userId) => client.social.friends.items.get(userId)?.remark,
      ),
    [client],
  );
  const [view, setView] = useState<View>("chats");
  // Blocks show in every chat's header: know them from the start.
  useEffect(() => {
    if (client.state === "online" && !client.social.blocked.loaded) {
      client.social.loadBlocked().catch(() => {});
    }
  }, [client, client.state]);
  const [open, setOpen] = useState<string | null>(() => conversationOfHash(client));
  const [toast, setToast] = useState<string | null>(null);
  const [search, setSearch] = useState<SearchState | null>(null);
  /** A message to show in place (a search hit). */
  const [focus, setFocus] = useState<{ conversationId: string; seq: number } | null>(null);
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
    setView("chats");
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
        <ConnectionState client={client} />
        <SearchBox
          client={client}
          names={names}
          openConversation={open}
          onSearch={(r) => runSearch(client, search, r, setSearch)}
        />
        <button type="button" class="link" onClick={signOut}>Log out</button>
      </header>
      <nav class="tabs" aria-label="Sections">
        {VIEWS.map(([v, label]) => (
          <button
            type="button"
            key={v}
            data-testid={`nav-${v}`}
            class={v === view ? "tab active" : "tab"}
            aria-current={v === view ? "page" : undefined}
            onClick={() => setView(v)}
          >
            {label}
            {v === "friends" && client.social.incoming.items.size > 0 && (
              <span class="badge">{client.social.incoming.items.size}</span>
            )}
          </button>
        ))}
      </nav>
      <ConnectionBanner client={client} onSignOut={props.onSignOut} />
      {view === "friends" && (
        <FriendsPage
          client={client}
          names={names}
          onChat={(userId) => show(client.conversationWith(userId))}
          onError={setToast}
        />
      )}
      {view === "profile" && <ProfilePage client={client} onSaved={() => setNames((n) => n + 1)} />}
      {view === "devices" && <DevicesPage client={client} api={api} />}
      <div class="panes" hidden={view !== "chats"}>
        {search
          ? (
            <SearchResults
              state={search}
              me={client.userId}
              names={names}
              onOpen={(hit) => {
                setFocus({ conversationId: hit.conversationId, seq: hit.seq });
                show(hit.conversationId);
              }}
              onMore={() => runSearch(client, search, search.request, setSearch)}
              onClose={() => setSearch(null)}
            />
          )
          : (
            <ConversationList
              client={client}
              me={client.userId}
              selected={open}
              names={names}
              onOpen={show}
              onStart={(userId) => show(client.conversationWith(userId))}
              onError={setToast}
              groupName={(id) => client.groups.get(id)?.name}
            >
              <NewGroupForm client={client} names={names} onCreated={show} />
            </ConversationList>
          )}
        {open
          ? (
            <ConversationView
              client={client}
              conversationId={open}
              names={names}
              version={version}
              focusSeq={focus?.conversationId === open ? focus.seq : null}
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
