/**
 * The npm packages work for a real consumer: built into a temporary folder, installed with npm
 * beside TypeScript, a consumer file type-checks against their declarations and runs under Node.
 */
import assert from "node:assert/strict";
import { missingTool } from "@im/shared/testing";
import { buildNpm } from "./npm_build.ts";

const NAME = "npm: the packages type-check in a TypeScript consumer and run under Node";
const npmMissing = await missingTool(NAME, "npm") || await missingTool(NAME, "node");

const CONSUMER = `
import { AuthApi, ImClient, closeAction, parseConversationId, type MessageView } from "@im/client";
import { directConversationId } from "@im/protocol";
const api = new AuthApi("http://127.0.0.1:1");
const conv = directConversationId("10", "9");
const parsed = parseConversationId(conv);
const view: MessageView | null = null;
const makeClient = (s: Parameters<typeof api.refresh>[0]) => s;
void ImClient; void view; void makeClient;
console.log(JSON.stringify({ conv, kind: parsed?.kind, close: closeAction(4003) }));
`;

async function run(cmd: string, args: string[], cwd: string) {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `${cmd} ${args.join(" ")} failed:\n${text}`);
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: NAME,
  ignore: npmMissing,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "im-npm-" });
    try {
      await buildNpm(new URL(`file://${dir}/pkg/`));
      const app = `${dir}/app`;
      await Deno.mkdir(app);
      await Deno.writeTextFile(
        `${app}/package.json`,
        JSON.stringify({ name: "consumer", private: true, type: "module" }),
      );
      // As a registry would serve them: packed tarballs (a folder install would only symlink).
      const tarballs = [];
      for (const p of ["protocol", "client"]) {
        const name = (await run("npm", ["pack", "--pack-destination", dir], `${dir}/pkg/${p}`))
          .trim().split("\n").at(-1)!;
        tarballs.push(`${dir}/${name}`);
      }
      await run("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        ...tarballs,
        "typescript@5.9",
      ], app);
      await Deno.writeTextFile(`${app}/main.ts`, CONSUMER);
      await run("npx", [
        "tsc",
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--lib",
        "es2022,dom",
        "--skipLibCheck",
        "false",
        "main.ts",
      ], app);
      await Deno.writeTextFile(
        `${app}/main.mjs`,
        CONSUMER.replace(", type MessageView", "")
          .replace(/: MessageView \| null/, "").replace(
            /\(s: Parameters<typeof api.refresh>\[0\]\)/,
            "(s)",
          ),
      );
      const out = JSON.parse(await run("node", ["main.mjs"], app));
      assert.deepEqual(out, { conv: "d:9:10", kind: "direct", close: "refresh" });
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
