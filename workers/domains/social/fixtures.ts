/**
 * Fixtures for the social and inbox worker tests: run one user's frames through the real batch
 * processor (tx lane) or read lane on real MySQL and Redis, and read back what each device got.
 * Every user has two devices online: "main" (sends the frames) and "other".
 */
import type { TestEnv } from "@im/shared/testing";
import type { Envelope } from "@im/shared/wire";
import { entryOf, envelope, processorFor, resultFrames, serveReads } from "../../test_support.ts";
import { clientFrames } from "@im/protocol";

// deno-lint-ignore no-explicit-any
export type Frame = { type: string; id?: string; data: any };

let n = 0;

export function socialRig(env: TestEnv) {
  const { processor, routes } = processorFor(env);
  const conn = (u: string, device = "main") => ({
    connId: `c-${device}-${u}`,
    gatewayId: `g-${u}`,
  });
  const frames = async (u: string, device = "main") =>
    (await resultFrames(env, `g-${u}`)).filter((f) => f.conns.includes(conn(u, device).connId))
      .map((f) => f.frame as Frame);
  return {
    processor,
    /** Puts both devices of each user online. */
    async online(...users: string[]) {
      for (const u of users) {
        for (const device of ["main", "other"]) {
          await routes.set(u, { deviceId: device, ...conn(u, device) });
        }
      }
    },
    /** Sends one frame from `u`'s main device and returns its reply. */
    async ask(u: string, type: string, data: unknown): Promise<Frame> {
      const id = `q${++n}`;
      const env_ = envelope(u, { type, id, data } as Envelope["frame"], conn(u));
      const spec = clientFrames[type as keyof typeof clientFrames];
      if (spec.lane === "read") await serveReads(env, [env_]);
      else await processor.process(env.keys.partition(0), 0, 1, [entryOf(env_)]);
      const reply = (await frames(u)).find((f) => f.id === id);
      if (!reply) throw new Error(`no reply to ${type}`);
      return reply;
    },
    /** Frames pushed (no request id) to one of `u`'s devices. */
    async pushed(u: string, device = "other", type?: string) {
      return (await frames(u, device)).filter((f) =>
        f.id === undefined && (!type || f.type === type)
      );
    },
  };
}
