/**
 * Writes the manifests as YAML: `deno task k8s [--image <ref>] [--out <dir>]`. Without flags it
 * regenerates the committed files beside this script (manifests_test.ts fails when they drift).
 */
import { stringify } from "yaml";
import { DEFAULT_IMAGE, manifests } from "./manifests.ts";

const HEADER =
  "# Generated from deploy/k8s/manifests.ts by `deno task k8s`: edit that file, not this.\n";

/** Every file's YAML text, each object validated against its Kubernetes schema first. */
export function render(image = DEFAULT_IMAGE): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, objects] of Object.entries(manifests(image))) {
    for (const o of objects) o.validate();
    const docs = objects.map((o) => stringify(JSON.parse(JSON.stringify(o)), { lineWidth: 0 }));
    out[file] = HEADER + docs.join("---\n");
  }
  return out;
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = Deno.args.indexOf(name);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  const dir = arg("--out") ?? new URL(".", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(render(arg("--image")))) {
    await Deno.writeTextFile(`${dir.replace(/\/$/, "")}/${file}`, text);
    console.log(`wrote ${file}`);
  }
}
