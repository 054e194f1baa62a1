/**
 * Runs s3rver (an S3 emulator from npm) as its own process, so a test can kill it mid-upload the
 * way a storage outage would. Args: <port> <directory> <bucket>. Prints "ready <port>" once up.
 */
import S3rver from "s3rver";

const [port, directory, bucket] = Deno.args;
const server = new S3rver({
  port: Number(port),
  address: "127.0.0.1",
  silent: true,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const addr = await server.run() as { port: number };
console.log(`ready ${addr.port}`);
Deno.addSignalListener("SIGTERM", () => server.close().finally(() => Deno.exit(0)));
