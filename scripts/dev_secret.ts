/**
 * The JWT secret of `deno task dev`, kept in a local ignored file (mode 600) so restarts of the
 * watcher, and of dev itself, do not log everyone out.
 */
export interface DevSecret {
  path: string;
  created: boolean;
  problem?: string;
}

export async function devSecretFile(path: string): Promise<DevSecret> {
  try {
    const bytes = crypto.getRandomValues(new Uint8Array(48));
    const secret = btoa(String.fromCharCode(...bytes));
    await Deno.writeTextFile(path, secret, { createNew: true, mode: 0o600 });
    await Deno.chmod(path, 0o600); // the mode above is subject to the umask
    return { path, created: true };
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
  await Deno.chmod(path, 0o600);
  const existing = (await Deno.readTextFile(path)).trim();
  return existing.length >= 32 ? { path, created: false } : {
    path,
    created: false,
    problem: `${path} holds fewer than 32 characters: delete it and dev writes a new one`,
  };
}
