/// <reference lib="dom" />
/** Your profile (nickname, avatar, bio: what others see) and who may message you. */
import { useEffect, useState } from "preact/hooks";
import { describeError, type DmPolicy, type ImClient } from "../../mod.ts";

export function ProfilePage(props: { client: ImClient; onSaved(): void }) {
  const { client } = props;
  const me = client.social.me;
  const [form, setForm] = useState({ nickname: "", avatarUrl: "", bio: "", dmPolicy: "everyone" });
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    if (client.state === "online") client.social.loadProfile().catch(() => {});
  }, [client, client.state === "online"]);
  // Another device may change it too: follow the server's copy until you start editing.
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (me && !dirty) {
      setForm({
        nickname: me.nickname,
        avatarUrl: me.avatarUrl,
        bio: me.bio,
        dmPolicy: me.dmPolicy,
      });
    }
  }, [me, dirty]);

  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) => {
    setDirty(true);
    setForm({ ...form, [k]: e.currentTarget.value });
  };
  async function save(e: Event) {
    e.preventDefault();
    setNote(null);
    try {
      await client.social.updateProfile({ ...form, dmPolicy: form.dmPolicy as DmPolicy });
      setDirty(false);
      setNote("Saved.");
      props.onSaved();
    } catch (err) {
      setNote(describeError(err));
    }
  }

  return (
    <section class="page" aria-label="Profile">
      <form class="card profile" data-testid="profile" onSubmit={save}>
        {form.avatarUrl && <img class="big-avatar" src={form.avatarUrl} alt="" />}
        <label>
          Display name
          <input value={form.nickname} maxLength={64} required onInput={set("nickname")} />
        </label>
        <label>
          Avatar (image URL)
          <input type="url" value={form.avatarUrl} onInput={set("avatarUrl")} />
        </label>
        <label>
          About you
          <textarea rows={3} maxLength={160} value={form.bio} onInput={set("bio")} />
        </label>
        <label>
          Who may message you
          <select value={form.dmPolicy} onChange={set("dmPolicy")}>
            <option value="everyone">Everyone</option>
            <option value="friends">Friends only</option>
          </select>
        </label>
        {note && <p class="hint" role="status">{note}</p>}
        <button type="submit" class="primary">Save</button>
      </form>
    </section>
  );
}
