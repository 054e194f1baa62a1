/**
 * Process shutdown that always ends: the first SIGTERM/SIGINT runs `stop`, bounded by a deadline
 * (an orchestrator kills a process that does not stop, so it had better exit on its own, having
 * released what it could); a second signal exits at once.
 */
import type { Logger } from "./log.ts";

export function exitOnSignals(stop: () => Promise<void>, log: Logger, timeoutMs: number): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) {
      log.warn("second signal: exiting now");
      Deno.exit(130);
    }
    stopping = true;
    const deadline = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs));
    Promise.race([stop().then(() => "done" as const), deadline]).then(
      (how) => {
        if (how === "timeout") log.error("shutdown timed out; exiting", { timeoutMs });
        Deno.exit(how === "done" ? 0 : 1);
      },
      (err) => {
        log.error("shutdown failed; exiting", { err });
        Deno.exit(1);
      },
    );
  };
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGINT", onSignal);
}

/** Waits for `p` at most `ms`; a step of a shutdown must not hold the rest up forever. */
export function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([
    p.catch(() => undefined),
    new Promise<undefined>((r) => setTimeout(() => r(undefined), ms)),
  ]);
}
