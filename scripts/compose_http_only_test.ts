/**
 * The compose file's http-only profile: parsed by docker-compose itself (v1 here; the profile
 * keys are the Compose Specification's, so v2 reads them too). Images cannot be pulled on our
 * machines, so this checks the wiring, not a running stack.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";

const ROOT = new URL("../", import.meta.url).pathname;
const hasCompose = await new Deno.Command("docker-compose", {
  args: ["version"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);

interface Service {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: Array<{ published: number; target: number }>;
}

Deno.test({
  name: "compose: the http-only profile runs the HTTP-only API against SRH, and only when asked",
  ignore: !hasCompose && Deno.env.get("CI") !== "true",
  async fn() {
    const out = await new Deno.Command("docker-compose", {
      args: ["--profile", "http-only", "config"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { REDIS_REST_TOKEN: "token-from-env", REDIS_PASSWORD: "pw-from-env" },
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const { services } = parse(new TextDecoder().decode(out.stdout)) as {
      services: Record<string, Service>;
    };
    const { srh, "http-api": api } = services;
    assert.ok(srh && api, Object.keys(services).join(","));
    for (const [name, s] of Object.entries(services)) {
      const observability = ["prometheus", "grafana", "jaeger"].includes(name);
      const expected = ["srh", "http-api"].includes(name)
        ? ["http-only"]
        : observability
        ? ["observability"] // their own profile (scripts/observability_test.ts)
        : name === "turn"
        ? ["turn"]
        : undefined;
      assert.deepEqual(s.profiles, expected, `${name} profiles`);
    }
    assert.match(srh.image ?? "", /^hiett\/serverless-redis-http:\d/);
    assert.equal(srh.environment?.SRH_MODE, "env");
    // Redis requires its password, SRH included.
    assert.equal(srh.environment?.SRH_CONNECTION_STRING, "redis://:pw-from-env@redis:6379");
    assert.deepEqual(api.command, ["deno", "run", "-A", "gateway/http_main.ts"]);
    // SRH listens on 80 in its image; the token is one value, from the environment.
    assert.equal(api.environment?.REDIS_REST_URL, "http://srh:80");
    assert.equal(api.environment?.REDIS_REST_TOKEN, "token-from-env");
    assert.equal(srh.environment?.SRH_TOKEN, "token-from-env");
    assert.equal(api.depends_on?.migrate.condition, "service_completed_successfully");
    assert.ok(api.depends_on?.srh);
    assert.deepEqual(api.ports?.map((p) => [p.published, p.target]), [[8070, 8070]]);
    assert.equal(api.environment?.PORT, "8070");
  },
});
