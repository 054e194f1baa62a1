/**
 * Three private MariaDB servers for the Spider experiment (workers/spider_test.ts): two shards
 * and a Spider head, each with its own data directory under /tmp and its own loopback port.
 * The shards listen on different loopback addresses (127.0.0.1, 127.0.0.2): Spider's internal
 * XA finds a transaction's members by host, not port, so two shards on one host make every
 * commit that spans both fail with 12606 "This xid member already exists" (MariaDB 10.11.19).
 *
 * `pluginDir` must hold ha_spider.so and the server's other plugins (Mroonga: migration 050).
 */
export interface Instance {
  host: string;
  port: number;
  url(db: string): string;
  sql(query: string, db?: string): Promise<string>;
  kill(): Promise<void>;
}

export interface SpiderRig {
  head: Instance;
  shards: Instance[];
  stop(): Promise<void>;
}

function freePort(host: string): number {
  const l = Deno.listen({ hostname: host, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function run(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const out = new TextDecoder().decode(o.stdout), err = new TextDecoder().decode(o.stderr);
  if (!o.success) throw new Error(`${cmd} ${args.slice(-1)}: ${err || out}`);
  return out;
}

async function startInstance(
  root: string,
  name: string,
  host: string,
  pluginDir: string,
  extra: string[],
) {
  const dir = `${root}/${name}`;
  await Deno.mkdir(dir, { recursive: true });
  const asRoot = Deno.uid() === 0;
  if (asRoot) await run("chown", ["-R", "mysql:mysql", root]);
  const user = asRoot ? ["--user=mysql"] : [];
  await run("mariadb-install-db", [
    "--no-defaults",
    ...user,
    `--datadir=${dir}/data`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
  ]);
  const port = freePort(host);
  const child = new Deno.Command("mariadbd", {
    args: [
      "--no-defaults",
      ...user,
      `--datadir=${dir}/data`,
      `--port=${port}`,
      `--bind-address=${host}`,
      `--socket=${dir}/sock`,
      `--plugin-dir=${pluginDir}`,
      "--innodb-buffer-pool-size=64M",
      "--skip-log-bin",
      "--innodb-lock-wait-timeout=5",
      ...extra,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const sql = (query: string, db = "") =>
    run("mariadb", [
      "-h",
      host,
      "-P",
      String(port),
      "-uroot",
      "-N",
      "-B",
      ...(db ? [db] : []),
      "-e",
      query,
    ]);
  for (let i = 0; i < 100; i++) {
    if (await sql("SELECT 1").then(() => true, () => false)) break;
    if (i === 99) throw new Error(`mariadbd ${name} did not start on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let alive = true;
  return {
    host,
    port,
    url: (db: string) => `mysql://root@${host}:${port}/${db}`,
    sql,
    async kill() {
      if (!alive) return;
      alive = false;
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    },
  } satisfies Instance;
}

export async function startSpider(pluginDir: string): Promise<SpiderRig> {
  const root = await Deno.makeTempDir({ prefix: "im-spider-" });
  await Deno.chmod(root, 0o755);
  const started: Instance[] = [];
  const stop = async () => {
    await Promise.all(started.map((i) => i.kill()));
    await Deno.remove(root, { recursive: true }).catch(() => {});
  };
  try {
    for (const [name, host] of [["s0", "127.0.0.1"], ["s1", "127.0.0.2"]]) {
      started.push(await startInstance(root, name, host, pluginDir, []));
    }
    const head = await startInstance(root, "head", "127.0.0.1", pluginDir, [
      "--plugin-load-add=ha_spider.so",
    ]);
    started.push(head);
    for (const [i, s] of started.slice(0, 2).entries()) {
      await head.sql(
        `CREATE SERVER s${i} FOREIGN DATA WRAPPER mysql OPTIONS ` +
          `(HOST '${s.host}', PORT ${s.port}, USER 'root', PASSWORD '', DATABASE 'shard')`,
      );
      await s.sql("CREATE DATABASE shard");
    }
    return { head, shards: started.slice(0, 2), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
