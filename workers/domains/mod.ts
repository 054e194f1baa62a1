/**
 * The handler of every frame type that reaches a worker, by lane. Each table is a mapped type
 * over its lane's types (see ../context.ts): a type without a handler does not compile.
 */
import type { EphemeralHandlers, Handlers, ReadHandlers, TxHandlers } from "../context.ts";
import { handleIdsFetch } from "./ids/fetch.ts";
import { handleRecall } from "./messages/recall.ts";
import { handleMsgSend } from "./messages/send.ts";
import { handleDelivered, handleRead } from "./receipts/cursors.ts";
import { handleHistory } from "./sync/history.ts";
import { handleSync } from "./sync/sync.ts";
import { handleTyping } from "./typing/typing.ts";
import { handlePresenceSet, handlePresenceSub, handlePresenceUnsub } from "./presence/handlers.ts";
import { handleInvite } from "./calls/invite.ts";
import { handleAccept, handleCancel, handleHangup, handleReject } from "./calls/answer.ts";
import { handleSignal } from "./calls/signal.ts";
import { handleCallRecord } from "./calls/record.ts";

export const txHandlers: TxHandlers = {
  "ids.fetch": { order: 0, run: handleIdsFetch },
  "msg.send": { order: 1, run: handleMsgSend },
  "msg.recall": { order: 2, run: handleRecall },
  "msg.delivered": { order: 3, run: handleDelivered },
  "msg.read": { order: 4, run: handleRead },
  "call.record": { order: 5, run: handleCallRecord },
};

export const readHandlers: ReadHandlers = {
  sync: handleSync,
  history: handleHistory,
};

export const ephemeralHandlers: EphemeralHandlers = {
  typing: handleTyping,
  "presence.sub": handlePresenceSub,
  "presence.unsub": handlePresenceUnsub,
  "presence.set": handlePresenceSet,
  "call.invite": handleInvite,
  "call.accept": handleAccept,
  "call.reject": handleReject,
  "call.cancel": handleCancel,
  "call.hangup": handleHangup,
  "call.signal": handleSignal,
};

export const handlers: Handlers = {
  tx: txHandlers,
  read: readHandlers,
  ephemeral: ephemeralHandlers,
};
