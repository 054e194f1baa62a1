/** Readiness probes of one dependency each (gateway and worker /readyz). */

/** A probe answer must come quickly: a hung store reads as failing, not as a hung probe. */
const PROBE_MS = 1500;

/**
 * "ok", "timeout" or "error". The error itself goes to `onError` (the log), not to the answer:
 * readiness is served on public ports and store errors name hosts.
 */
export async function probe(
  p: () => Promise<unknown>,
  onError: (err: unknown) => void = () => {},
): Promise<"ok" | "timeout" | "error"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), PROBE_MS));
  try {
    return await Promise.race([p().then(() => "ok" as const), timeout]);
  } catch (err) {
    onError(err);
    return "error";
  } finally {
    clearTimeout(timer);
  }
}
