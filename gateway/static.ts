/**
 * Serves the bundled web app (client/web/dist, built by `deno task web:build`) at `/`.
 * A fixed list of files, read once per request from WEB_ROOT; nothing else on disk is reachable.
 */
import type { Hono } from "hono";

const FILES: Record<string, [file: string, type: string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/app.css": ["app.css", "text/css; charset=utf-8"],
  "/app.js.map": ["app.js.map", "application/json"],
};

export function serveWebApp(app: Hono, root: string): void {
  if (!root) return;
  for (const [path, [file, type]] of Object.entries(FILES)) {
    app.get(path, async (c) => {
      try {
        const body = await Deno.readFile(`${root.replace(/\/$/, "")}/${file}`);
        return c.body(body, 200, {
          "content-type": type,
          // Names are not content-hashed: always revalidate.
          "cache-control": "no-cache",
          "x-content-type-options": "nosniff",
        });
      } catch {
        return c.text("web app not built: run `deno task web:build`", 404);
      }
    });
  }
}
