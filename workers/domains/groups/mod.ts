/**
 * The groups and live rooms handlers, by lane, spread into ../mod.ts. Management runs before
 * messages in a batch (ids.fetch is 0, msg.send 1), so a member removed by an entry of the same
 * batch gets none of its messages; among themselves, actions on one group run in this order
 * (each type in stream order): a batch holding a kick and a re-invite of one user runs the
 * invite (a no-op: still a member) first, as if it had come first.
 */
import type { EphemeralHandlers, ReadHandlers, TxHandlers } from "../../context.ts";
import {
  handleDissolve,
  handleMute,
  handleMuteAll,
  handleRole,
  handleTransfer,
  handleUpdate,
} from "./admin.ts";
import { handleGroupCreate } from "./create.ts";
import {
  handleApprove,
  handleDecline,
  handleInvite,
  handleJoin,
  handleKick,
  handleLeave,
} from "./membership.ts";
import {
  handleGroupInfo,
  handleGroupList,
  handleGroupMembers,
  handleGroupRequests,
} from "./reads.ts";
import { handleGroupReaders, handleGroupReceipts } from "./receipts.ts";
import { handleGroupWatch } from "./watch.ts";
import { handleRoomClose, handleRoomCreate } from "../rooms/lifecycle.ts";
import { handleRoomJoin, handleRoomLeave, handleRoomSend } from "../rooms/presence.ts";

type GroupTx = Extract<keyof TxHandlers, `group.${string}` | `room.${string}`>;
type GroupRead = Extract<keyof ReadHandlers, `group.${string}`>;
type GroupEphemeral = Extract<keyof EphemeralHandlers, `group.${string}` | `room.${string}`>;

export const groupTxHandlers: Pick<TxHandlers, GroupTx> = {
  "group.create": { order: 0.1, run: handleGroupCreate },
  "room.create": { order: 0.1, run: handleRoomCreate },
  "group.update": { order: 0.2, run: handleUpdate },
  "group.invite": { order: 0.3, run: handleInvite },
  "group.join": { order: 0.3, run: handleJoin },
  "group.approve": { order: 0.3, run: handleApprove },
  "group.decline": { order: 0.3, run: handleDecline },
  "group.role": { order: 0.4, run: handleRole },
  "group.transfer": { order: 0.4, run: handleTransfer },
  "group.mute": { order: 0.5, run: handleMute },
  "group.muteAll": { order: 0.5, run: handleMuteAll },
  "group.kick": { order: 0.6, run: handleKick },
  "group.leave": { order: 0.6, run: handleLeave },
  "group.dissolve": { order: 0.7, run: handleDissolve },
  "room.close": { order: 0.7, run: handleRoomClose },
};

export const groupReadHandlers: Pick<ReadHandlers, GroupRead> = {
  "group.info": handleGroupInfo,
  "group.list": handleGroupList,
  "group.members": handleGroupMembers,
  "group.requests": handleGroupRequests,
  "group.receipts": handleGroupReceipts,
  "group.readers": handleGroupReaders,
};

export const groupEphemeralHandlers: Pick<EphemeralHandlers, GroupEphemeral> = {
  "group.watch": handleGroupWatch,
  "room.join": handleRoomJoin,
  "room.leave": handleRoomLeave,
  "room.send": handleRoomSend,
};
