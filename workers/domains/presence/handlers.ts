/**
 * presence.sub, presence.unsub, presence.set (ephemeral lane). A connection watches users it may
 * see (visibility.ts) for PRESENCE_SUB_TTL_SEC and gets their states at once; the rest come
 * back "offline, never seen", the same as a hidden user, so the answer reveals nothing.
 */
import type { EphemeralContext, EphemeralHandler } from "../../context.ts";
import { fanOut, unseen, viewOf } from "./fanout.ts";
import { PresenceStore } from "./store.ts";
import { hiddenUsers, setHidden } from "./tables.ts";
import { type Visibility, visibleTo } from "./visibility.ts";

export const presenceStore = (ctx: EphemeralContext) => new PresenceStore(ctx.redis, ctx.keys);

/** A whole batch in a few round trips: one policy query, one pipeline per step, one hidden query. */
export const handlePresenceSub: EphemeralHandler<"presence.sub"> = async (ctx, entries) => {
  const store = presenceStore(ctx);
  const asks = entries.map((e) => ({
    viewer: e.env.userId,
    targets: [...new Set(e.env.frame.data.userIds)],
  }));
  const policy = ctx.config.presenceVisibility as Visibility;
  const visible = await visibleTo(ctx.db, policy, asks);
  // Subscribe before reading: a change after the read reaches us, and `ver` orders the two.
  await store.subscribe(
    entries.map((e, i) => ({
      conn: { gatewayId: e.env.gatewayId, connId: e.env.connId, viewer: e.env.userId },
      userIds: [...visible[i]],
    })),
    ctx.now,
    ctx.config.presenceSubTtlSec * 1000,
  );
  const all = [...new Set(visible.flatMap((v) => [...v]))];
  const stored = await store.states(all);
  // A connect the sweep has not looked at yet (it runs every 100 ms) is online already: only
  // users stored offline are worth a look at their routes.
  const behind = all.filter((u) => !stored.get(u)?.online);
  const looked = await store.reconcile(behind, ctx.now, undefined, true);
  const states = [
    ...all.filter((u) => stored.get(u)?.online).map((u) => ({ ...stored.get(u)!, changed: false })),
    ...looked,
  ];
  const hidden = await hiddenUsers(ctx.db, all);
  const answered = new Set(entries.map((e) => e.env.connId));
  await fanOut(
    ctx.db,
    store,
    ctx.outbox,
    states.filter((s) => s.changed),
    ctx.now,
    new Set(),
    answered,
  );
  const byUser = new Map(states.map((s) => [s.userId, s]));
  entries.forEach((e, i) => {
    const users = asks[i].targets.map((u) => {
      const s = visible[i].has(u) ? byUser.get(u) : undefined;
      return s ? viewOf(s, u !== e.env.userId && hidden.has(u)) : unseen(u);
    });
    ctx.reply(e, { type: "presence", data: { users } });
  });
};

export const handlePresenceUnsub: EphemeralHandler<"presence.unsub"> = async (ctx, entries) => {
  const store = presenceStore(ctx);
  for (const e of entries) await store.unsubscribe(e.env, e.env.frame.data.userIds);
};

export const handlePresenceSet: EphemeralHandler<"presence.set"> = async (ctx, entries) => {
  const store = presenceStore(ctx);
  for (const e of entries) {
    const me = e.env.userId;
    const { hidden } = e.env.frame.data;
    await setHidden(ctx.db, me, hidden, ctx.now);
    const ver = await store.bump(me);
    const state = { ...(await store.states([me])).get(me)!, ver };
    await fanOut(ctx.db, store, ctx.outbox, [state], ctx.now, hidden ? new Set([me]) : new Set());
    // The user's own view of themselves is what others now see.
    ctx.reply(e, { type: "presence", data: { users: [viewOf(state, hidden)] } });
  }
};
