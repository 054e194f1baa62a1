/// <reference lib="dom" />
/**
 * Groups in the web app: a form that creates one with members named by username, and a panel
 * of the open group's members with their roles and what the viewer's own role allows (invite,
 * remove, promote, mute, leave, dissolve). The server checks every action again.
 */
import { useEffect, useState } from "preact/hooks";
import { describeError, type GroupInfo, type GroupMember, type ImClient } from "../../mod.ts";
import type { Directory } from "./names.ts";

const RANK = { owner: 3, admin: 2, member: 1 } as const;

/** The open group's current members, fetched again whenever the group changes. */
export function useMembers(client: ImClient, conversationId: string, info: GroupInfo | undefined) {
  const [members, setMembers] = useState<GroupMember[]>([]);
  const key = JSON.stringify([info?.memberCount, info?.role, info?.ownerId, info?.mutedAll]);
  useEffect(() => {
    if (!info || info.role === null) return setMembers([]);
    let live = true;
    client.groups.allMembers(conversationId).then((m) => live && setMembers(m), () => {});
    return () => {
      live = false;
    };
  }, [conversationId, key]);
  return { members, refresh: () => client.groups.allMembers(conversationId).then(setMembers) };
}

/** Usernames separated by commas or spaces, resolved to user ids. */
async function resolve(names: Directory, text: string): Promise<string[]> {
  const wanted = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  return await Promise.all(wanted.map(async (n) => (await names.byName(n)).userId));
}

export function NewGroupForm(
  props: { client: ImClient; names: Directory; onCreated(id: string): void },
) {
  const [name, setName] = useState("");
  const [who, setWho] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const members = await resolve(props.names, who);
      const g = await props.client.groups.create({ name: name.trim(), members });
      setName("");
      setWho("");
      props.onCreated(g.conversationId);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="new-group" onSubmit={create}>
      <input
        placeholder="New group: name"
        aria-label="Group name"
        data-testid="new-group-name"
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <input
        placeholder="Members: usernames"
        aria-label="Usernames to add"
        data-testid="new-group-members"
        autocapitalize="none"
        value={who}
        onInput={(e) => setWho(e.currentTarget.value)}
      />
      <button type="submit" disabled={!name.trim() || busy}>Create group</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

export function MembersPanel(props: {
  client: ImClient;
  info: GroupInfo;
  members: GroupMember[];
  names: Directory;
  onChanged(): void;
  onError(text: string): void;
}) {
  const { client, info, members, names } = props;
  const me = client.userId;
  const myRank = info.role ? RANK[info.role] : 0;
  const [invitee, setInvitee] = useState("");
  const act = (p: Promise<unknown>) =>
    p.then(() => props.onChanged(), (e) => props.onError(describeError(e)));
  const c = info.conversationId;
  async function invite(e: Event) {
    e.preventDefault();
    try {
      await client.groups.invite(c, await resolve(names, invitee));
      setInvitee("");
      props.onChanged();
    } catch (err) {
      props.onError(describeError(err));
    }
  }
  return (
    <aside class="members" data-testid="members" aria-label="Members">
      <h3>{info.memberCount} members</h3>
      {info.announcement && <p class="announcement">{info.announcement}</p>}
      <ul>
        {members.map((m) => {
          const lower = RANK[m.role] < myRank;
          const muted = m.mutedUntil !== null && m.mutedUntil > Date.now();
          return (
            <li key={m.userId} data-testid="member" data-user={m.userId} data-role={m.role}>
              <span class="member-name">{m.userId === me ? "You" : names.name(m.userId)}</span>
              {m.role !== "member" && <span class="role">{m.role}</span>}
              {muted && <span class="role">muted</span>}
              {lower && myRank >= RANK.admin && (
                <>
                  <button
                    type="button"
                    data-testid="kick"
                    onClick={() => act(client.groups.kick(c, [m.userId]))}
                  >
                    Remove
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      act(client.groups.mute(c, m.userId, muted ? null : Date.now() + 3_600_000))}
                  >
                    {muted ? "Unmute" : "Mute 1 h"}
                  </button>
                </>
              )}
              {info.role === "owner" && m.userId !== me && (
                <button
                  type="button"
                  onClick={() =>
                    act(
                      client.groups.setRole(c, m.userId, m.role === "admin" ? "member" : "admin"),
                    )}
                >
                  {m.role === "admin" ? "Make member" : "Make admin"}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {(myRank >= RANK.admin || info.joinPolicy === "open") && (
        <form onSubmit={invite}>
          <input
            placeholder="Add: usernames"
            aria-label="Usernames to add"
            data-testid="invite"
            value={invitee}
            onInput={(e) => setInvitee(e.currentTarget.value)}
          />
          <button type="submit" disabled={!invitee.trim()}>Add</button>
        </form>
      )}
      {info.role && info.role !== "owner" && (
        <button
          type="button"
          class="link"
          onClick={() => act(client.groups.leave(c))}
        >
          Leave group
        </button>
      )}
      {info.role === "owner" && (
        <button
          type="button"
          class="link danger"
          onClick={() => act(client.groups.dissolve(c))}
        >
          Dissolve group
        </button>
      )}
    </aside>
  );
}
