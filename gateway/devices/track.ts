/**
 * "Last seen" of a device: stamped when one of its sockets opens and when it closes (login and
 * refresh stamp it too), so an offline device shows when it was last connected. Listeners are
 * added beside the session's own handlers; a failed write is logged, never fatal.
 */
import type { Logger } from "@im/shared/log";

export function trackLastSeen(
  socket: Pick<WebSocket, "addEventListener">,
  who: { userId: string; deviceId: string },
  touch: (userId: string, deviceId: string, now: number) => Promise<void>,
  log: Logger,
): void {
  const stamp = () =>
    touch(who.userId, who.deviceId, Date.now()).catch((err) =>
      log.warn("could not stamp device last seen", { err })
    );
  socket.addEventListener("open", stamp);
  socket.addEventListener("close", stamp);
}
