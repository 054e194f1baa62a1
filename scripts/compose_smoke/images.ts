/**
 * Stand-ins for the base images docker-compose.yml names (no image registry is reachable here):
 * a Debian root file system made with debootstrap from Debian's packages and imported, then
 * denoland/deno, mariadb and redis built on it from images/<name>/ the way the official images
 * lay themselves out. Each image carries a label with the hash of what it was built from, so a
 * second run finds it and builds nothing.
 */
import { run } from "./docker.ts";

const HERE = new URL(".", import.meta.url).pathname;
const SUITE = "bookworm";
const MIRROR = "http://deb.debian.org/debian";
export const BASE = `im-smoke/debian:${SUITE}`;
const LABEL = "im.smoke.hash";

async function sha256(parts: (string | Uint8Array)[]): Promise<string> {
  const enc = new TextEncoder();
  const chunks = parts.map((p) => typeof p === "string" ? enc.encode(p) : p);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length + 1, 0));
  let at = 0;
  for (const c of chunks) (all.set(c, at), at += c.length + 1);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The machine's extra CA certificates: its egress inspects TLS, so images must trust them. */
function extraCaFiles(): string[] {
  const dir = "/usr/local/share/ca-certificates";
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".crt"))
      .map((e) => `${dir}/${e.name}`).sort();
  } catch {
    return [];
  }
}

async function labelOf(image: string, env: Record<string, string>): Promise<string | null> {
  const r = await run("docker", [
    "image",
    "inspect",
    "--format",
    `{{index .Config.Labels "${LABEL}"}}`,
    image,
  ], { env, allowFail: true });
  return r.code === 0 ? r.out.trim() : null;
}

export interface ImageReport {
  image: string;
  built: boolean;
  seconds: number;
}

async function timed(image: string, fn: () => Promise<boolean>): Promise<ImageReport> {
  const t0 = performance.now();
  const built = await fn();
  return { image, built, seconds: Math.round((performance.now() - t0) / 100) / 10 };
}

/** debootstrap → tar → docker import, unless an image of the same inputs exists. */
function ensureBase(dir: string, env: Record<string, string>, log: string) {
  return timed(BASE, async () => {
    const cas = extraCaFiles();
    const hash = await sha256([SUITE, MIRROR, ...cas.map((f) => Deno.readFileSync(f))]);
    if (await labelOf(BASE, env) === hash) return false;
    const rootfs = `${dir}/rootfs`;
    await Deno.remove(rootfs, { recursive: true }).catch(() => {});
    await run("debootstrap", [
      "--variant=minbase",
      "--include=ca-certificates",
      SUITE,
      rootfs,
      MIRROR,
    ], { logFile: log });
    for (const f of cas) await Deno.copyFile(f, `${rootfs}${f}`);
    if (cas.length) await run("chroot", [rootfs, "update-ca-certificates"], { logFile: log });
    await run("sh", [
      "-c",
      `rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* && ` +
      `tar -C "$1" -c . | docker import --change 'CMD ["bash"]' --change "LABEL ${LABEL}=$2" - "$3"`,
      "sh",
      rootfs,
      hash,
      BASE,
    ], { env, logFile: log });
    await Deno.remove(rootfs, { recursive: true });
    return true;
  });
}

/** Builds images/<name>/ (plus `extra` files copied into the context) on the base image. */
function ensureStandIn(
  name: string,
  tag: string,
  dir: string,
  env: Record<string, string>,
  log: string,
  extra: Record<string, string> = {},
  buildArgs: string[] = [],
) {
  return timed(tag, async () => {
    const src = `${HERE}images/${name}`;
    const files = [...Deno.readDirSync(src)].map((e) => e.name).sort();
    const baseId = (await run("docker", ["image", "inspect", "--format", "{{.Id}}", BASE], { env }))
      .out.trim();
    const hash = await sha256([
      baseId,
      ...buildArgs,
      ...files.flatMap((f) => [f, Deno.readFileSync(`${src}/${f}`)]),
      ...Object.entries(extra).flatMap(([n, p]) => [n, Deno.readFileSync(p)]),
    ]);
    if (await labelOf(tag, env) === hash) return false;
    // The context lives outside the repo: binaries copied into it are never committed.
    const ctx = `${dir}/ctx/${name}`;
    await Deno.remove(ctx, { recursive: true }).catch(() => {});
    await Deno.mkdir(ctx, { recursive: true });
    for (const f of files) await Deno.copyFile(`${src}/${f}`, `${ctx}/${f}`);
    for (const [n, p] of Object.entries(extra)) await Deno.copyFile(p, `${ctx}/${n}`);
    await run("docker", [
      "build",
      "--network",
      "host",
      "--build-arg",
      `IM_SMOKE_HASH=${hash}`,
      ...buildArgs.flatMap((a) => ["--build-arg", a]),
      "-t",
      tag,
      ctx,
    ], { env, logFile: log });
    await Deno.remove(ctx, { recursive: true }); // the image holds it now (the deno binary is big)
    return true;
  });
}

/** Every base image the compose file names, each built only when its inputs changed. */
export async function ensureBaseImages(
  dir: string,
  env: Record<string, string>,
  log: string,
): Promise<ImageReport[]> {
  const reports = [await ensureBase(dir, env, log)];
  // The real deno binary (not an npm launcher) of the version the Dockerfile names.
  const deno = Deno.execPath();
  const version = Deno.version.deno;
  reports.push(
    await ensureStandIn("deno", `denoland/deno:${version}`, dir, env, log, { deno }, [
      `DENO_VERSION=${version}`,
    ]),
    await ensureStandIn("mariadb", "mariadb:10.11", dir, env, log),
    await ensureStandIn("redis", "redis:7.0", dir, env, log),
  );
  return reports;
}
