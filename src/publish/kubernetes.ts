/**
 * The app as Kubernetes objects, built with the typed models of `kubernetes-models` and
 * checked against their schemas before anything is written: per long-running service a
 * Deployment and (with a port) a Service, per oneshot a Job; a ConfigMap for the plain
 * environment and a Secret for the secret values; a PersistentVolumeClaim per data folder;
 * and a `kustomization.yaml`, so `kubectl apply -k <folder>` applies the lot.
 *
 * Waiting for dependencies is done by init containers: one per service waited for, which
 * polls it through its Service name; one per Job waited for, which asks the API whether the
 * Job succeeded (with a service account that may only read Jobs).
 */
import { createHash } from "node:crypto";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import { DATA_ROOT, hostOf, type ContainerApp, type ContainerService } from "./app.js";
import { yamlText } from "./yaml-text.js";
import { nodeDockerfile } from "./dockerfile.js";
import { seconds } from "./duration.js";
import { waitForJobScript, waitScript } from "./probes.js";
import { gitignoreFor, type OutputFile } from "./write-files.js";

/** The storage each data folder asks for. */
const VOLUME_SIZE = "1Gi";

/** Anything with a schema to check and a plain form to write. */
interface KubeObject {
  validate(): void;
  toJSON(): unknown;
}

/** Every file of the Kubernetes output. */
export function kubernetesFiles(app: ContainerApp): OutputFile[] {
  for (const service of app.services) {
    if (!service.oneshot && service.restart.policy === "no") {
      app.notes.push(
        `${service.name} has \`restart: "no"\`, but a Deployment always restarts its pod.`,
      );
    }
    if (service.stop.signal !== "SIGTERM") {
      app.notes.push(
        `${service.name} stops with ${service.stop.signal} here; Kubernetes sends SIGTERM (set STOPSIGNAL in its image to change that).`,
      );
    }
  }
  const files: OutputFile[] = [];
  const secrets: KubeObject[] = [];
  const waitsForJobs = app.services.some((s) => jobsWaitedFor(app, s).length > 0);
  for (const service of app.services) {
    const objects: KubeObject[] = [configMap(app, service)];
    objects.push(service.oneshot ? job(app, service) : deployment(app, service));
    if (!service.oneshot && service.port !== undefined) objects.push(serviceObject(app, service));
    if (Object.keys(service.secretEnv).length > 0) secrets.push(secret(app, service));
    files.push({ path: `${service.host}.yaml`, body: documents(objects) });
  }
  const owners = [...new Set(app.services.flatMap((s) => s.mounts))].sort();
  if (owners.length > 0) {
    files.push({ path: "volumes.yaml", body: documents(owners.map((o) => claim(app, o))) });
  }
  if (waitsForJobs) files.push({ path: "wait-for-jobs.yaml", body: documents(jobReader(app)) });
  if (secrets.length > 0)
    files.push({ path: "secrets.yaml", body: documents(secrets), secret: true });
  const resources = files.map((f) => f.path);
  files.push({
    path: "kustomization.yaml",
    body: yamlText({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources,
    }),
  });
  if (app.node) files.push({ path: "Dockerfile", body: nodeDockerfile(app.node, app) });
  files.push(gitignoreFor(files));
  return files;
}

/** Objects as one YAML stream, each checked against its schema first. */
function documents(objects: KubeObject[]): string {
  return objects
    .map((object) => {
      object.validate();
      return yamlText(object.toJSON());
    })
    .join("---\n");
}

/** The labels every object carries: which project and service it belongs to. */
function labels(app: ContainerApp, service?: ContainerService): Record<string, string> {
  return {
    ...(service ? { "app.kubernetes.io/name": service.host } : {}),
    "app.kubernetes.io/part-of": app.project,
    "app.kubernetes.io/managed-by": "berth",
  };
}

/** What a Service and a Deployment select pods by. */
function selector(app: ContainerApp, service: ContainerService): Record<string, string> {
  return { "app.kubernetes.io/name": service.host, "app.kubernetes.io/part-of": app.project };
}

function configMap(app: ContainerApp, service: ContainerService): ConfigMap {
  return new ConfigMap({
    metadata: { name: `${service.host}-env`, labels: labels(app, service) },
    data: service.env,
  });
}

function secret(app: ContainerApp, service: ContainerService): Secret {
  return new Secret({
    metadata: { name: `${service.host}-secret`, labels: labels(app, service) },
    type: "Opaque",
    stringData: service.secretEnv,
  });
}

function claim(app: ContainerApp, owner: string): PersistentVolumeClaim {
  const service = app.services.find((s) => s.name === owner)!;
  return new PersistentVolumeClaim({
    metadata: { name: `${service.host}-data`, labels: labels(app, service) },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: VOLUME_SIZE } } },
  });
}

function deployment(app: ContainerApp, service: ContainerService): Deployment {
  return new Deployment({
    metadata: { name: service.host, labels: labels(app, service) },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector(app, service) },
      // A data folder is one volume that one pod at a time can mount.
      ...(service.mounts.length > 0 ? { strategy: { type: "Recreate" } } : {}),
      template: {
        metadata: {
          labels: labels(app, service),
          // A changed ConfigMap alone does not restart pods; a changed template does.
          annotations: { "checksum/env": envChecksum(service) },
        },
        spec: podSpec(app, service),
      },
    },
  });
}

function job(app: ContainerApp, service: ContainerService): Job {
  const again = service.restart.policy !== "no";
  return new Job({
    metadata: { name: service.host, labels: labels(app, service) },
    spec: {
      backoffLimit: again ? service.restart.maxRestarts : 0,
      template: {
        metadata: { labels: labels(app, service) },
        spec: { ...podSpec(app, service), restartPolicy: again ? "OnFailure" : "Never" },
      },
    },
  });
}

function serviceObject(app: ContainerApp, service: ContainerService): Service {
  return new Service({
    metadata: { name: service.host, labels: labels(app, service) },
    spec: {
      selector: selector(app, service),
      ports: [{ port: service.port!, targetPort: service.port! }],
    },
  });
}

function podSpec(app: ContainerApp, service: ContainerService): IPodSpec {
  // Without a registry, a built image is loaded into the cluster (kind, minikube) and must
  // not be pulled; pushed to one, it is pulled on each start, so a rebuilt image is used.
  const local = service.runs.kind !== "image" && app.registry === undefined;
  const container: IContainer = {
    name: service.host,
    image: service.image,
    ...(local ? { imagePullPolicy: "IfNotPresent" } : {}),
    ...(service.runs.kind === "node"
      ? { command: service.runs.command.map(escape), workingDir: service.runs.workingDir }
      : {}),
    envFrom: [
      { configMapRef: { name: `${service.host}-env` } },
      ...(Object.keys(service.secretEnv).length > 0
        ? [{ secretRef: { name: `${service.host}-secret` } }]
        : []),
    ],
    ...(service.port !== undefined ? { ports: [{ containerPort: service.port }] } : {}),
    ...(service.mounts.length > 0
      ? {
          volumeMounts: service.mounts.map((owner) => ({
            name: `${hostOf(app, owner)}-data`,
            mountPath: `${DATA_ROOT}/${hostOf(app, owner)}`,
          })),
        }
      : {}),
  };
  const probe = readinessProbe(service);
  if (probe && !service.oneshot) container.readinessProbe = probe;
  const jobs = jobsWaitedFor(app, service);
  const initContainers = [
    ...service.dependsOn.flatMap((dep) => {
      const target = app.services.find((s) => s.name === dep.name)!;
      return target.oneshot ? [] : waitForService(app, target);
    }),
    ...jobs.map((target) => ({
      name: `wait-for-${target.host}`,
      image: app.node?.from ?? "node:20-slim",
      command: ["node", "-e", waitForJobScript(target.host)],
    })),
  ];
  return {
    ...(jobs.length > 0 ? { serviceAccountName: jobReaderName(app) } : {}),
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers: [container],
    terminationGracePeriodSeconds: seconds(service.stop.graceMs),
    ...(service.mounts.length > 0
      ? {
          volumes: service.mounts.map((owner) => ({
            name: `${hostOf(app, owner)}-data`,
            persistentVolumeClaim: { claimName: `${hostOf(app, owner)}-data` },
          })),
        }
      : {}),
  };
}

/** The oneshots a service waits for (`completed`), which are Jobs. */
function jobsWaitedFor(app: ContainerApp, service: ContainerService): ContainerService[] {
  return service.dependsOn
    .map((dep) => app.services.find((s) => s.name === dep.name)!)
    .filter((target) => target.oneshot);
}

/**
 * An init container that waits until `target` is ready, probing it through its Service: its
 * HTTP check, else its port. A service with neither is only started first, which is all
 * Kubernetes orders.
 */
function waitForService(app: ContainerApp, target: ContainerService): IContainer[] {
  const ready =
    target.ready && target.ready.kind !== "command"
      ? target.ready
      : target.port !== undefined
        ? { kind: "tcp" as const, port: target.port, timeoutMs: 0 }
        : undefined;
  if (!ready) return [];
  return [
    {
      name: `wait-for-${target.host}`,
      image: app.node?.from ?? "node:20-slim",
      command: ["node", "-e", waitScript(ready, target.host)],
    },
  ];
}

function readinessProbe(service: ContainerService): IProbe | undefined {
  const ready = service.ready;
  if (!ready) return undefined;
  const timing = { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 3 };
  switch (ready.kind) {
    case "http":
      return { httpGet: { path: ready.path, port: ready.port }, ...timing };
    case "tcp":
      return { tcpSocket: { port: ready.port }, ...timing };
    case "command":
      return { exec: { command: ready.command }, ...timing };
  }
}

function jobReaderName(app: ContainerApp): string {
  return `${app.project}-berth-wait`;
}

/** The service account of pods that wait for Jobs: it may read Jobs, nothing else. */
function jobReader(app: ContainerApp): KubeObject[] {
  const name = jobReaderName(app);
  const meta = { name, labels: labels(app) };
  return [
    new ServiceAccount({ metadata: meta }),
    new Role({
      metadata: meta,
      rules: [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["get"] }],
    }),
    new RoleBinding({
      metadata: meta,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name }],
    }),
  ];
}

/** A short digest of a service's plain variables. */
function envChecksum(service: ContainerService): string {
  return createHash("sha256").update(JSON.stringify(service.env)).digest("hex").slice(0, 16);
}

/** Kubernetes expands `$(VAR)` in a command: a `$(` of the command's own is `$$(`. */
function escape(arg: string): string {
  return arg.replace(/\$\(/g, "$$$$(");
}
