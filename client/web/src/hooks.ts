/// <reference lib="dom" />
/** Re-render on SDK changes, coalesced to one render per frame. */
import { useEffect, useState } from "preact/hooks";
import type { ImClient } from "../../mod.ts";

export function useClientVersion(client: ImClient): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let queued = false;
    const off = client.on("change", () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        setVersion((v) => v + 1);
      });
    });
    return off;
  }, [client]);
  return version;
}

/** Re-renders every `ms` (relative times, the recall window). */
export function useTick(ms: number): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
  return n;
}
