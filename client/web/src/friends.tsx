/// <reference lib="dom" />
/**
 * Friends: add someone by username (with a short message), answer requests, withdraw your own,
 * rename (a remark only you see), message or remove a friend, and unblock. Every change made on
 * another of your devices shows here at once (the SDK applies the server's pushes).
 */
import { useEffect, useState } from "preact/hooks";
import { describeError, type ImClient, type PublicProfile } from "../../mod.ts";
import type { Directory } from "./names.ts";
import { initial } from "./conversations.tsx";

export function FriendsPage(props: {
  client: ImClient;
  names: Directory;
  onChat(userId: string): void;
  onError(text: string): void;
}) {
  const { client } = props;
  const s = client.social;
  const run = (job: Promise<unknown>) => job.catch((e) => props.onError(describeError(e)));
  useEffect(() => {
    if (client.state !== "online") return;
    run(
      Promise.all([s.loadFriends(), s.loadRequests("in"), s.loadRequests("out"), s.loadBlocked()]),
    );
  }, [client, client.state === "online"]);
  const label = (p: PublicProfile) => p.nickname || p.username || `user ${p.userId}`;

  return (
    <section class="page" aria-label="Friends">
      <AddFriend client={client} names={props.names} onError={props.onError} />
      <h3>Requests to you</h3>
      {s.incoming.items.size === 0 && <p class="empty">None.</p>}
      <ul class="people">
        {[...s.incoming.items.values()].map((r) => (
          <li key={r.userId} data-testid="incoming" data-user={r.userId}>
            <span class="avatar" aria-hidden="true">{initial(label(r.user))}</span>
            <span class="who">
              <strong>{label(r.user)}</strong>
              {r.message && <span class="hint">“{r.message}”</span>}
            </span>
            <button
              type="button"
              class="primary"
              onClick={() =>
                run(s.acceptFriend(r.userId))}
            >
              Accept
            </button>
            <button
              type="button"
              onClick={() =>
                run(s.declineFriend(r.userId))}
            >
              Decline
            </button>
          </li>
        ))}
      </ul>
      {s.outgoing.items.size > 0 && <h3>Your requests</h3>}
      <ul class="people">
        {[...s.outgoing.items.values()].map((r) => (
          <li key={r.userId} data-testid="outgoing" data-user={r.userId}>
            <span class="avatar" aria-hidden="true">{initial(label(r.user))}</span>
            <span class="who">
              <strong>{label(r.user)}</strong>
              <span class="hint">waiting for an answer</span>
            </span>
            <button
              type="button"
              onClick={() =>
                run(s.cancelRequest(r.userId))}
            >
              Cancel
            </button>
          </li>
        ))}
      </ul>
      <h3>Friends</h3>
      {s.friends.items.size === 0 && <p class="empty">No friends yet.</p>}
      <ul class="people">
        {[...s.friends.items.values()].map((f) => (
          <li key={f.userId} data-testid="friend" data-user={f.userId}>
            <span class="avatar" aria-hidden="true">{initial(f.remark || label(f))}</span>
            <span class="who">
              <strong>{f.remark || label(f)}</strong>
              {f.remark && <span class="hint">{label(f)}</span>}
            </span>
            <button
              type="button"
              onClick={() =>
                props.onChat(f.userId)}
            >
              Message
            </button>
            <button
              type="button"
              onClick={() => {
                const r = prompt("Your name for this friend (only you see it):", f.remark);
                if (r !== null) {
                  run(s.setRemark(f.userId, r));
                }
              }}
            >
              Rename
            </button>
            <button
              type="button"
              class="danger"
              onClick={() =>
                confirm(`Remove ${label(f)} from your friends?`) && run(s.removeFriend(f.userId))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {s.friends.more && (
        <button
          type="button"
          class="link"
          onClick={() => run(s.loadFriends(true))}
        >
          Show more friends
        </button>
      )}
      {s.blocked.items.size > 0 && <h3>Blocked</h3>}
      <ul class="people">
        {[...s.blocked.items.values()].map((b) => (
          <li key={b.userId} data-testid="blocked" data-user={b.userId}>
            <span class="who">
              <strong>{b.nickname || props.names.name(b.userId)}</strong>
            </span>
            <button
              type="button"
              onClick={() =>
                run(s.unblock(b.userId))}
            >
              Unblock
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function AddFriend(props: { client: ImClient; names: Directory; onError(text: string): void }) {
  const [who, setWho] = useState("");
  const [message, setMessage] = useState("");
  const [note, setNote] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setNote(null);
    try {
      const user = await props.names.byName(who);
      const c = await props.client.social.requestFriend(user.userId, message.trim() || undefined);
      setNote(c.kind === "accepted" ? "You are friends now." : "Request sent.");
      setWho("");
      setMessage("");
    } catch (err) {
      setNote(describeError(err));
    }
  }

  return (
    <form class="add-friend" data-testid="add-friend" onSubmit={submit}>
      <input
        placeholder="Username"
        aria-label="Username to add"
        autocapitalize="none"
        value={who}
        onInput={(e) => setWho(e.currentTarget.value)}
      />
      <input
        placeholder="A short message (optional)"
        aria-label="Message with the request"
        maxLength={100}
        value={message}
        onInput={(e) => setMessage(e.currentTarget.value)}
      />
      <button type="submit" class="primary" disabled={!who.trim()}>Add friend</button>
      {note && <p class="hint" role="status">{note}</p>}
    </form>
  );
}
