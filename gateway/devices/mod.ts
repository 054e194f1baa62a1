/** Devices: the HTTP API, the platform policy applied at login, and "last seen" stamping. */
export { type DeviceDeps, deviceRoutes } from "./routes.ts";
export { openDevice } from "./login.ts";
export { trackLastSeen } from "./track.ts";
export { touchDevice } from "./tables.ts";
