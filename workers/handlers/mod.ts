import type { HandlerTable } from "../batch.ts";
import { handleMsgSend } from "./msg_send.ts";

export const handlers: HandlerTable = {
  "msg.send": handleMsgSend,
};
