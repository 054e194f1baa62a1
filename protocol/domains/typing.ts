/** "Typing…": ephemeral, never stored, pushed to the conversation's other members. */
import { conversationIdSchema } from "../conversations.ts";
import { bool, object } from "../schema.ts";
import { ephemeral } from "../spec.ts";

export const typingFrames = {
  typing: ephemeral(object({ conversationId: conversationIdSchema, active: bool() })),
};

export interface Typing {
  conversationId: string;
  userId: string;
  active: boolean;
  /** Treat it as stopped after this long unless another typing frame comes. */
  expiresInMs: number;
}

export interface TypingServerData {
  typing: Typing;
}
