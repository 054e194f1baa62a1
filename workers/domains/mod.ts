/**
 * The handler of every frame type that reaches a worker, by lane. Each table is a mapped type
 * over its lane's types (see ../context.ts): a type without a handler does not compile.
 */
import type { EphemeralHandlers, Handlers, ReadHandlers, TxHandlers } from "../context.ts";
import { groupEphemeralHandlers, groupReadHandlers, groupTxHandlers } from "./groups/mod.ts";
import { handleIdsFetch } from "./ids/fetch.ts";
import { handleRecall } from "./messages/recall.ts";
import { handleEdit } from "./messages/edit.ts";
import { handleReact } from "./messages/react.ts";
import { handleMsgSend } from "./messages/send.ts";
import { handleDelivered, handleRead } from "./receipts/cursors.ts";
import { handleHistory } from "./sync/history.ts";
import { handleSync } from "./sync/sync.ts";
import { handleSearch } from "./search/search.ts";
import { handleTyping } from "./typing/typing.ts";
import * as friends from "./social/friends.ts";
import * as blocks from "./social/block_handlers.ts";
import * as lists from "./social/lists.ts";
import * as profiles from "./profiles/profiles.ts";
import * as inbox from "./inbox/mod.ts";
import { handlePresenceSet, handlePresenceSub, handlePresenceUnsub } from "./presence/handlers.ts";
import { handleInvite } from "./calls/invite.ts";
import { handleAccept, handleCancel, handleHangup, handleReject } from "./calls/answer.ts";
import { handleSignal } from "./calls/signal.ts";
import { handleCallRecord } from "./calls/record.ts";

export const txHandlers: TxHandlers = {
  "ids.fetch": { order: 0, run: handleIdsFetch },
  "msg.send": { order: 1, run: handleMsgSend },
  "msg.recall": { order: 2, run: handleRecall },
  // After sends (they may edit or react to a message of the same batch), before receipts.
  "msg.edit": { order: 2, run: handleEdit },
  "msg.react": { order: 2, run: handleReact },
  "msg.delivered": { order: 3, run: handleDelivered },
  "msg.read": { order: 4, run: handleRead },
  // Friends and blocks before sends: a block earlier in the stream refuses a later message.
  "block.add": { order: 0.1, run: blocks.handleBlockAdd },
  "block.remove": { order: 0.1, run: blocks.handleBlockRemove },
  "friend.request": { order: 0.2, run: friends.handleFriendRequest },
  "friend.accept": { order: 0.2, run: friends.handleFriendAccept },
  "friend.decline": { order: 0.2, run: friends.handleFriendDecline },
  "friend.cancel": { order: 0.2, run: friends.handleFriendCancel },
  "friend.delete": { order: 0.2, run: friends.handleFriendDelete },
  "friend.remark": { order: 0.2, run: friends.handleFriendRemark },
  "profile.update": { order: 0.3, run: profiles.handleProfileUpdate },
  // After sends and reads: "delete for me" clears what was sent before it in the stream.
  "conv.update": { order: 5, run: inbox.handleConvUpdate },
  "conv.delete": { order: 5, run: inbox.handleConvDelete },
  ...groupTxHandlers,
  "call.record": { order: 5, run: handleCallRecord },
};

export const readHandlers: ReadHandlers = {
  sync: handleSync,
  history: handleHistory,
  search: handleSearch,
  "friend.list": lists.handleFriendList,
  "friend.requests": lists.handleFriendRequests,
  "block.list": lists.handleBlockList,
  "profile.mine": profiles.handleProfileMine,
  "profile.get": profiles.handleProfileGet,
  "conv.list": inbox.handleConvList,
  ...groupReadHandlers,
};

export const ephemeralHandlers: EphemeralHandlers = {
  typing: handleTyping,
  ...groupEphemeralHandlers,
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
