/**
 * `deno task npm:build [outDir]`: the npm packages of the SDK, compiled by TypeScript's own
 * compiler (one .js and one .d.ts per module, relative imports rewritten to .js), each with a
 * package.json from the member's deno.json and a README:
 *   <outDir>/protocol  @im/protocol  the wire protocol (frames, codes, conversation ids)
 *   <outDir>/client    @im/client    the SDK; depends on @im/protocol
 * Default outDir: client/npm. Needs Node and npm (tsc runs through npx, pinned below). Publish
 * with `npm publish` in each folder, protocol first. (`deno bundle --declaration` was tried: its
 * declaration bundle keeps per-file imports and absolute paths, which consumers cannot resolve.)
 */
const ROOT = new URL("../", import.meta.url);
const TYPESCRIPT = "typescript@5.9";

interface Member {
  dir: string;
  /** Module files not shipped (tests, tools, the web app). */
  exclude: string[];
  dependencies?: Record<string, string>;
}

const MEMBERS: Member[] = [
  { dir: "protocol", exclude: ["**/*_test.ts"] },
  {
    dir: "client",
    exclude: [
      "**/*_test.ts",
      "web/**",
      "testing/**",
      "npm/**",
      "cli.ts",
      "cli_*.ts",
      "npm_build.ts",
    ],
    dependencies: { "@im/protocol": "<protocol>" },
  },
];

async function tsc(args: string[], cwd: string): Promise<void> {
  const r = await new Deno.Command("npx", {
    args: ["--yes", "-p", TYPESCRIPT, "tsc", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    throw new Error(`tsc failed:\n${text}`);
  }
}

async function buildPackage(m: Member, out: URL, versions: Record<string, string>) {
  const here = new URL(`${m.dir}/`, ROOT);
  const meta = JSON.parse(await Deno.readTextFile(new URL("deno.json", here)));
  versions[meta.name] = meta.version;
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await Deno.mkdir(out, { recursive: true });
  const config = new URL("tsconfig.json", out);
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        lib: ["es2024", "dom"],
        // ES modules whatever the source folder says (it has no package.json).
        module: "es2022",
        moduleResolution: "bundler",
        strict: true,
        declaration: true,
        rewriteRelativeImportExtensions: true,
        skipLibCheck: true,
        rootDir: here.pathname,
        outDir: out.pathname,
        // Against the sibling package just built; the output keeps the bare name.
        paths: { "@im/protocol": [new URL("../protocol/mod.d.ts", out).pathname] },
      },
      include: [`${here.pathname}**/*.ts`],
      exclude: m.exclude.map((e) => `${here.pathname}${e}`),
    }),
  );
  await tsc(["-p", config.pathname], out.pathname);
  await Deno.remove(config);
  const dependencies = Object.fromEntries(
    Object.keys(m.dependencies ?? {}).map((d) => [d, versions[d]]),
  );
  const pkg = {
    name: meta.name,
    version: meta.version,
    description: meta.description,
    license: "MIT",
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: { ".": { types: "./mod.d.ts", import: "./mod.js" } },
    sideEffects: false,
    engines: { node: ">=22" },
    ...(m.dependencies ? { dependencies } : {}),
  };
  await Deno.writeTextFile(new URL("package.json", out), JSON.stringify(pkg, null, 2) + "\n");
  await Deno.copyFile(new URL("README.md", here), new URL("README.md", out));
}

export async function buildNpm(outDir: URL): Promise<void> {
  const versions: Record<string, string> = {};
  for (const m of MEMBERS) await buildPackage(m, new URL(`${m.dir}/`, outDir), versions);
}

if (import.meta.main) {
  const out = Deno.args[0]
    ? new URL(`${Deno.args[0].replace(/\/?$/, "/")}`, `file://${Deno.cwd()}/`)
    : new URL("client/npm/", ROOT);
  await buildNpm(out);
  console.error(`npm:build: wrote ${out.pathname}{protocol,client}`);
}
