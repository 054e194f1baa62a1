/**
 * Writes a random JWT signing secret to the given file unless one is there already, so
 * `docker compose up` needs no secret in the repo and every gateway shares one secret.
 */
const path = Deno.args[0];
if (!path) {
  console.error("usage: init_secret.ts <file>");
  Deno.exit(2);
}
try {
  const existing = await Deno.readTextFile(path);
  if (existing.trim().length >= 32) {
    console.log(`secret present at ${path}`);
    Deno.exit(0);
  }
} catch (err) {
  if (!(err instanceof Deno.errors.NotFound)) throw err;
}
const bytes = crypto.getRandomValues(new Uint8Array(48));
const secret = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
await Deno.writeTextFile(path, secret, { mode: 0o640 });
console.log(`secret written to ${path}`);
