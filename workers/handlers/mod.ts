import type { HandlerTable } from "../batch.ts";
import { handleHistory } from "./history.ts";
import { handleIdsFetch } from "./ids.ts";
import { handleMsgSend } from "./msg_send.ts";
import { handleDelivered, handleRead } from "./receipts.ts";
import { handleRecall } from "./recall.ts";
import { handleSync } from "./sync.ts";

export const handlers: HandlerTable = {
  "msg.send": handleMsgSend,
  "msg.delivered": handleDelivered,
  "msg.read": handleRead,
  "msg.recall": handleRecall,
  sync: handleSync,
  history: handleHistory,
  "ids.fetch": handleIdsFetch,
};
