/**
 * The Kubernetes manifests, checked offline: the committed YAML is what manifests.ts renders,
 * every document passes its Kubernetes schema and our pod rules, and broken manifests fail.
 */
import assert from "node:assert/strict";
import { Deployment } from "kubernetes-models/apps/v1";
import { parseAllDocuments } from "yaml";
import { manifestProblems, schemaProblems } from "./check.ts";
import { render } from "./render.ts";

const DIR = new URL(".", import.meta.url).pathname;

async function committed(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(DIR)) {
    if (e.isFile && e.name.endsWith(".yaml")) {
      out[e.name] = await Deno.readTextFile(`${DIR}${e.name}`);
    }
  }
  return out;
}

// deno-lint-ignore no-explicit-any
const docsOf = (texts: string[]): any[] =>
  texts.flatMap((t) => parseAllDocuments(t).map((d) => d.toJS()));

Deno.test("k8s: the committed YAML is exactly what manifests.ts renders (run `deno task k8s`)", async () => {
  assert.deepEqual(await committed(), render());
});

Deno.test("k8s: every committed document passes its schema and our pod rules", async () => {
  const docs = docsOf(Object.values(await committed()));
  assert.deepEqual(
    docs.map((d) => `${d.kind}/${d.metadata.name}`).sort(),
    [
      "ConfigMap/im-config",
      "Deployment/im-gateway",
      "Deployment/im-worker",
      "Job/im-migrate",
      "PodDisruptionBudget/im-gateway",
      "PodDisruptionBudget/im-worker",
      "Service/im-gateway",
    ],
  );
  assert.deepEqual(manifestProblems(docs), []);
});

Deno.test("k8s: invalid manifests fail the check", async () => {
  const docs = docsOf(Object.values(await committed()));
  const broken = (mutate: (docs: ReturnType<typeof docsOf>) => void) => {
    const copy = structuredClone(docs);
    mutate(copy);
    return manifestProblems(copy);
  };
  const gateway = (ds: ReturnType<typeof docsOf>) =>
    ds.find((d) => d.kind === "Deployment" && d.metadata.name === "im-gateway");
  const worker = (ds: ReturnType<typeof docsOf>) =>
    ds.find((d) => d.kind === "Deployment" && d.metadata.name === "im-worker");
  const cases: Array<[RegExp, (ds: ReturnType<typeof docsOf>) => void]> = [
    // The schema: a wrong type, a missing required field, an enum, a quantity, an unknown kind.
    [/replicas must be integer/, (ds) => void (gateway(ds).spec.replicas = "two")],
    [
      /required property 'name'|must have required property/,
      (ds) => void delete gateway(ds).spec.template.spec.containers[0].name,
    ],
    [
      /imagePullPolicy must be equal to one of the allowed values/,
      (ds) => void (worker(ds).spec.template.spec.containers[0].imagePullPolicy = "Sometimes"),
    ],
    [
      /limits\/cpu must match format "quantity"/,
      (ds) => void (worker(ds).spec.template.spec.containers[0].resources.limits.cpu = "lots"),
    ],
    [
      /not a kind these manifests use/,
      (ds) => void ds.push({ apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "x" } }),
    ],
    // Our rules.
    [
      /readinessProbe port http is not PORT=9000/,
      (ds) => void (gateway(ds).spec.template.spec.containers[0].env[0].value = "9000"),
    ],
    [
      /livenessProbe must GET \/healthz/,
      (ds) =>
        void (worker(ds).spec.template.spec.containers[0].livenessProbe.httpGet.path = "/readyz"),
    ],
    [/JWT_SECRET must come from a Secret/, (ds) => {
      const env = gateway(ds).spec.template.spec.containers[0].env;
      env.find((e: { name: string }) => e.name === "JWT_SECRET").value = "hunter2";
      env.find((e: { name: string }) => e.name === "JWT_SECRET").valueFrom = undefined;
    }],
    [
      /Secrets are referenced, never defined/,
      (ds) => void ds.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }),
    ],
    [
      /must exceed LEASE_TTL_MS/,
      (ds) => void (worker(ds).spec.template.spec.terminationGracePeriodSeconds = 5),
    ],
    [/gateway: terminationGracePeriodSeconds must exceed the preStop pause/, (ds) => {
      gateway(ds).spec.template.spec.containers[0].lifecycle.preStop.exec.command = ["sleep", "25"];
    }],
    [/worker: terminationGracePeriodSeconds must exceed .*SHUTDOWN_TIMEOUT_MS/, (ds) => {
      ds.find((d) => d.kind === "ConfigMap").data.SHUTDOWN_TIMEOUT_MS = "45000";
    }],
    [
      /im-worker: no PodDisruptionBudget/,
      (ds) =>
        void ds.splice(
          ds.findIndex((d) => d.kind === "PodDisruptionBudget" && d.metadata.name === "im-worker"),
          1,
        ),
    ],
    [
      /MAX_SOCKETS is not a config field/,
      (ds) =>
        void gateway(ds).spec.template.spec.containers[0].env.push({
          name: "MAX_SOCKETS",
          value: "1",
        }),
    ],
  ];
  for (const [expected, mutate] of cases) {
    const problems = broken(mutate);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${expected}: got ${JSON.stringify(problems)}`,
    );
  }
  assert.deepEqual(
    schemaProblems({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }),
    [],
  );
});

Deno.test("k8s: a misspelt field is a type error (deno check), not a silently ignored key", () => {
  const typo = () =>
    new Deployment({
      metadata: { name: "x" },
      spec: {
        selector: {},
        template: {
          spec: {
            containers: [{
              name: "c",
              // @ts-expect-error: `readinessProb` is not a Container field.
              readinessProb: { httpGet: { path: "/readyz", port: 8080 } },
            }],
          },
        },
      },
    });
  assert.equal(typeof typo, "function");
});

Deno.test("k8s: the probes' paths are routes the processes serve", async () => {
  const root = new URL("../../", import.meta.url);
  const docs = docsOf(Object.values(await committed()));
  for (
    const [name, source] of [["im-gateway", "gateway/gateway.ts"], [
      "im-worker",
      "workers/worker.ts",
    ]]
  ) {
    const code = await Deno.readTextFile(new URL(source, root));
    const c = docs.find((d) => d.kind === "Deployment" && d.metadata.name === name)
      .spec.template.spec.containers[0];
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      const path = c[probe].httpGet.path;
      assert.ok(code.includes(`"${path}"`), `${name} ${probe}: ${source} serves no ${path}`);
    }
  }
});
