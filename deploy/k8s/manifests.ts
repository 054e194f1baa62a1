/**
 * The Kubernetes manifests, as typed objects (kubernetes-models): `deno check` rejects a
 * misspelt or mistyped field, `validate()` checks each object against the Kubernetes JSON
 * schema, and render.ts writes the YAML that operators apply. manifests_test.ts holds the
 * committed YAML equal to this file's output.
 *
 * Secrets are referenced, never defined: the Secret `im-secrets` is created by the operator
 * (README "Kubernetes").
 */
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import {
  ConfigMap,
  type IContainer,
  type IEnvVar,
  type IPodSpec,
  type IProbe,
  type ISecurityContext,
  Service,
} from "kubernetes-models/v1";

export const DEFAULT_IMAGE = "im-server:0.1.0";
export const SECRET_NAME = "im-secrets";
export const CONFIG_NAME = "im-config";
export const GATEWAY_PORT = 8080;
export const WORKER_PORT = 8090;
/** Seconds a gateway keeps serving after SIGTERM is scheduled (see gatewayPod). */
export const GATEWAY_PRESTOP_SEC = 5;

type Component = "gateway" | "worker" | "migrate";
const labels = (component: Component) => ({
  "app.kubernetes.io/name": "im-server",
  "app.kubernetes.io/component": component,
});
const meta = (component: Component) => ({ name: `im-${component}`, labels: labels(component) });

/** Deployment-wide settings; per-process ports are set on each container. */
export const config = new ConfigMap({
  metadata: { name: CONFIG_NAME, labels: { "app.kubernetes.io/name": "im-server" } },
  data: {
    KEY_PREFIX: "im:",
    PARTITIONS: "16",
    LOG_LEVEL: "info",
    // Where login sends clients: the public URL of the gateway Service (Ingress/LoadBalancer).
    PUBLIC_WS_URL: "wss://chat.example.com/ws",
    ORIGIN_ALLOWLIST: "",
    LEASE_TTL_MS: "10000",
    // The process's own bound on a SIGTERM shutdown; both grace periods below exceed it.
    SHUTDOWN_TIMEOUT_MS: "10000",
  },
});

const secret = (name: string): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: SECRET_NAME, key: name } },
});

const securityContext = {
  runAsNonRoot: true,
  runAsUser: 1993, // the deno user of the denoland/deno base image
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} satisfies ISecurityContext;

const httpProbe = (path: string, port: string, periodSeconds: number, failureThreshold: number) =>
  ({
    httpGet: { path, port },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  }) satisfies IProbe;

function container(image: string, c: Omit<IContainer, "image" | "securityContext">): IContainer {
  return {
    ...c,
    image,
    imagePullPolicy: "IfNotPresent",
    envFrom: [{ configMapRef: { name: CONFIG_NAME } }],
    securityContext,
  };
}

/**
 * Gateways drain on SIGTERM (gateway.ts `stop`): /readyz turns 503, the registry entry goes,
 * sockets close with 4000 ("reconnect"), the result reader stops, the server shuts down; each
 * step bounded, the whole by SHUTDOWN_TIMEOUT_MS (shared/shutdown.ts). The preStop pause comes
 * first so the endpoints controller has dropped the pod from the Service before it stops
 * listening (otherwise reconnecting clients would be routed to a closed port); the grace period
 * covers the pause plus SHUTDOWN_TIMEOUT_MS, so the kubelet never has to SIGKILL a drain.
 */
function gatewayPod(image: string): IPodSpec {
  return {
    terminationGracePeriodSeconds: 30,
    containers: [container(image, {
      name: "gateway",
      command: ["deno", "run", "-A", "gateway/main.ts"],
      ports: [{ name: "http", containerPort: GATEWAY_PORT }],
      env: [
        { name: "PORT", value: String(GATEWAY_PORT) },
        // The pod name: log lines and result streams name the pod.
        { name: "GATEWAY_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        secret("REDIS_URL"),
        secret("MYSQL_URL"),
        secret("JWT_SECRET"),
      ],
      startupProbe: httpProbe("/healthz", "http", 2, 30),
      readinessProbe: httpProbe("/readyz", "http", 5, 2),
      livenessProbe: httpProbe("/healthz", "http", 10, 3),
      lifecycle: { preStop: { exec: { command: ["sleep", String(GATEWAY_PRESTOP_SEC)] } } },
      resources: {
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { cpu: "1", memory: "512Mi" },
      },
    })],
  };
}

/**
 * Workers on SIGTERM (worker.ts `stop`) end their blocking reads, give the batch in hand a
 * bounded wait, and release their partition leases, so the partitions move at once instead of
 * after LEASE_TTL_MS; the whole is bounded by SHUTDOWN_TIMEOUT_MS. The grace period exceeds it
 * (and the lease TTL, the longest a batch waits on a lock), so the release runs; a worker killed
 * anyway loses nothing: its leases lapse within the TTL and fencing keeps its late writes out
 * (a batch still committing holds its fence row, and the next owner's raise waits for it).
 * No preStop: nothing routes traffic to a worker.
 */
function workerPod(image: string): IPodSpec {
  return {
    terminationGracePeriodSeconds: 30,
    containers: [container(image, {
      name: "worker",
      command: ["deno", "run", "-A", "workers/main.ts"],
      ports: [{ name: "health", containerPort: WORKER_PORT }],
      env: [
        { name: "WORKER_PORT", value: String(WORKER_PORT) },
        secret("REDIS_URL"),
        secret("MYSQL_URL"),
      ],
      startupProbe: httpProbe("/healthz", "health", 2, 30),
      readinessProbe: httpProbe("/readyz", "health", 5, 2),
      livenessProbe: httpProbe("/healthz", "health", 10, 3),
      resources: {
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { cpu: "1", memory: "512Mi" },
      },
    })],
  };
}

const prometheus = (port: number) => ({
  "prometheus.io/scrape": "true",
  "prometheus.io/port": String(port),
  "prometheus.io/path": "/metrics",
});

export function manifests(image = DEFAULT_IMAGE) {
  return {
    "config.yaml": [config],
    "migrate.yaml": [
      new Job({
        metadata: meta("migrate"),
        spec: {
          backoffLimit: 4,
          ttlSecondsAfterFinished: 86400,
          template: {
            metadata: { labels: labels("migrate") },
            spec: {
              restartPolicy: "OnFailure",
              containers: [container(image, {
                name: "migrate",
                command: ["deno", "run", "-A", "scripts/migrate.ts"],
                env: [secret("REDIS_URL"), secret("MYSQL_URL")],
                resources: {
                  requests: { cpu: "100m", memory: "128Mi" },
                  limits: { cpu: "500m", memory: "256Mi" },
                },
              })],
            },
          },
        },
      }),
    ],
    "gateway.yaml": [
      new Deployment({
        metadata: meta("gateway"),
        spec: {
          replicas: 2,
          selector: { matchLabels: labels("gateway") },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: labels("gateway"), annotations: prometheus(GATEWAY_PORT) },
            spec: gatewayPod(image),
          },
        },
      }),
      new Service({
        metadata: meta("gateway"),
        spec: {
          selector: labels("gateway"),
          ports: [{ name: "http", port: 80, targetPort: "http" }],
        },
      }),
      new PodDisruptionBudget({
        metadata: meta("gateway"),
        // One gateway at a time: each drain sends its clients to reconnect elsewhere.
        spec: { maxUnavailable: 1, selector: { matchLabels: labels("gateway") } },
      }),
    ],
    "worker.yaml": [
      new Deployment({
        metadata: meta("worker"),
        spec: {
          // Scale up to PARTITIONS; partitions rebalance by themselves.
          replicas: 2,
          selector: { matchLabels: labels("worker") },
          template: {
            metadata: { labels: labels("worker"), annotations: prometheus(WORKER_PORT) },
            spec: workerPod(image),
          },
        },
      }),
      new PodDisruptionBudget({
        metadata: meta("worker"),
        // One worker at a time, so its partitions move before the next one leaves.
        spec: { maxUnavailable: 1, selector: { matchLabels: labels("worker") } },
      }),
    ],
  };
}
