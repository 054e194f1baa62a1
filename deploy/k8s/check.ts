/**
 * Offline checks of Kubernetes manifests: each document against its Kubernetes JSON schema
 * (kubernetes-models' validators, pinned in deno.json), then the rules our processes need from
 * their pods (ports, probes, drain times, secrets). Returns every problem found.
 */
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, type IContainer, type IPodSpec, Service } from "kubernetes-models/v1";
import { CONFIG_FIELDS } from "@im/shared/config";

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

// deno-lint-ignore no-explicit-any
type Doc = any;

/** Schema problems of one document, or [] when it is valid. */
export function schemaProblems(doc: Doc): string[] {
  const id = `${doc?.apiVersion}/${doc?.kind}`;
  const Model = MODELS[id];
  if (!Model) return [`${id}: not a kind these manifests use`];
  try {
    new Model(doc as never).validate();
    return [];
  } catch (e) {
    return [`${id} ${doc?.metadata?.name}: ${e instanceof Error ? e.message : e}`];
  }
}

const ENV_NAMES = new Set(Object.values(CONFIG_FIELDS).map((f) => f.env));
/** Fields that carry credentials: only ever from a Secret. */
const SECRET_ENV = new Set([
  ...Object.values(CONFIG_FIELDS).filter((f) => "secret" in f && f.secret).map((f) => f.env),
  "MYSQL_URL",
  "REDIS_URL",
]);

function containerProblems(where: string, c: IContainer, config: Record<string, string>): string[] {
  const out: string[] = [];
  const env = new Map((c.env ?? []).map((e) => [e.name, e]));
  for (const [name, e] of env) {
    if (!ENV_NAMES.has(name)) out.push(`${where}: ${name} is not a config field`);
    if (SECRET_ENV.has(name) && !e.valueFrom?.secretKeyRef) {
      out.push(`${where}: ${name} must come from a Secret`);
    }
  }
  for (const name of Object.keys(config)) {
    if (SECRET_ENV.has(name)) out.push(`ConfigMap: ${name} must come from a Secret`);
  }
  if (!c.resources?.requests || !c.resources?.limits) out.push(`${where}: requests and limits`);
  return out;
}

/** The process listens where its probes look, and says ready/live on /readyz and /healthz. */
function probeProblems(where: string, c: IContainer, portVar: string): string[] {
  const out: string[] = [];
  const listen = c.env?.find((e) => e.name === portVar)?.value;
  const named = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
  for (
    const [probe, path] of [["readinessProbe", "/readyz"], ["livenessProbe", "/healthz"]] as const
  ) {
    const get = c[probe]?.httpGet;
    const port = typeof get?.port === "string" ? named.get(get.port) : get?.port;
    if (get?.path !== path) out.push(`${where}: ${probe} must GET ${path}`);
    if (port === undefined || String(port) !== listen) {
      out.push(`${where}: ${probe} port ${get?.port} is not ${portVar}=${listen}`);
    }
  }
  return out;
}

/** Every problem of a set of documents (the schema first, then our rules). */
export function manifestProblems(docs: Doc[]): string[] {
  // A Secret here would put its value in the repository.
  if (docs.some((d) => d?.kind === "Secret")) return ["Secrets are referenced, never defined here"];
  const out = docs.flatMap(schemaProblems);
  if (out.length) return out;
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const config: Record<string, string> = byKind("ConfigMap")[0]?.data ?? {};
  const setting = (name: string) =>
    Number(
      config[name] ?? Object.values(CONFIG_FIELDS).find((f) => f.env === name)?.default,
    );
  const leaseSec = setting("LEASE_TTL_MS") / 1000;
  const shutdownSec = setting("SHUTDOWN_TIMEOUT_MS") / 1000;
  const pods: Array<[string, IPodSpec, Record<string, string>]> = [
    ...byKind("Deployment").map((
      d,
    ) => [d.metadata.name, d.spec.template.spec, d.spec.template.metadata?.labels ?? {}]),
    ...byKind("Job").map((d) => [d.metadata.name, d.spec.template.spec, {}]),
  ] as Array<[string, IPodSpec, Record<string, string>]>;
  for (const [name, pod] of pods) {
    for (const c of pod.containers) out.push(...containerProblems(`${name}/${c.name}`, c, config));
  }
  const deployment = (component: string) =>
    byKind("Deployment").find((d) =>
      d.metadata.labels?.["app.kubernetes.io/component"] === component
    );
  const gateway = deployment("gateway"), worker = deployment("worker");
  if (!gateway || !worker) return [...out, "a gateway and a worker Deployment"];
  const gw = gateway.spec.template.spec as IPodSpec, wk = worker.spec.template.spec as IPodSpec;
  out.push(...probeProblems("gateway", gw.containers[0], "PORT"));
  out.push(...probeProblems("worker", wk.containers[0], "WORKER_PORT"));
  const pause = Number(gw.containers[0].lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);
  if ((gw.terminationGracePeriodSeconds ?? 30) <= pause + shutdownSec) {
    out.push(
      "gateway: terminationGracePeriodSeconds must exceed the preStop pause plus SHUTDOWN_TIMEOUT_MS",
    );
  }
  if ((wk.terminationGracePeriodSeconds ?? 30) <= Math.max(leaseSec, shutdownSec)) {
    out.push(
      "worker: terminationGracePeriodSeconds must exceed LEASE_TTL_MS and SHUTDOWN_TIMEOUT_MS",
    );
  }
  const selects = (sel: Record<string, string> | undefined, d: Doc) =>
    Object.keys(sel ?? {}).length > 0 &&
    Object.entries(sel ?? {}).every(([k, v]) => d.spec.template.metadata.labels?.[k] === v);
  for (const d of [gateway, worker]) {
    if (!byKind("PodDisruptionBudget").some((p) => selects(p.spec.selector?.matchLabels, d))) {
      out.push(`${d.metadata.name}: no PodDisruptionBudget selects its pods`);
    }
  }
  if (!byKind("Service").some((s) => selects(s.spec.selector, gateway))) {
    out.push("no Service selects the gateway pods");
  }
  return out;
}
