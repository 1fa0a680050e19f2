import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml, stringify } from "yaml";
import type { Podman } from "./podman.js";

/**
 * Runs the Kubernetes files `berth publish` wrote on podman 4.3's `kube play`, changing only
 * what docs/publish-engines.md lists, each change standing for something a real cluster does
 * that podman 4.3 does not:
 * - a Secret is put in podman's secret store as the JSON its envFrom reads (`kube play`
 *   stores a Secret as YAML, which 4.3's envFrom then cannot read);
 * - a Job's pod template is played as a Pod, and its containers' exit codes are awaited
 *   (`kube play` ignores Jobs);
 * - a Service's name becomes a network alias of the pods it selects (`kube play` ignores
 *   Services), which needs one `kube play` per workload;
 * - an init container that waits for a Job through the Kubernetes API is left out, and its
 *   pod is played once the Job has succeeded (there is no API server);
 * - a pod with init containers gets `restartPolicy: OnFailure` (4.3 restarts a finished init
 *   container under `Always` and then fails to remove it).
 * Everything else (ConfigMaps through envFrom, PersistentVolumeClaims, the images, commands,
 * ports, the other init containers) is played as written.
 */
export interface PlayedKubernetes {
  /** Exit codes of each Job's containers, by Job name. */
  jobs: Record<string, number[]>;
  /** The podman container running `container` of Deployment `deployment`. */
  containerOf(deployment: string, container: string): string;
  /** The Services, with the port each one maps to. */
  services: { name: string; port: number; targetPort: number }[];
  /** The readiness probes as written, by Deployment. */
  readiness: Record<string, { path?: string; port: number | string; kind: string }>;
  /** What was left out or changed, one line each. */
  adaptations: string[];
  /** `podman kube down` for every played file, then the claims' volumes and the secrets. */
  down(): Promise<string>;
}

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface PodSpec {
  initContainers?: { name: string }[];
  containers: { name: string }[];
  restartPolicy?: string;
  serviceAccountName?: string;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}

/** Every object the kustomization lists, in its order. */
export function readKustomization(dir: string): KubeObject[] {
  const kustomization = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as {
    resources: string[];
  };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), "utf8"), { version: "1.1" }).map(
      (doc) => doc.toJS() as KubeObject,
    ),
  );
}

/** Plays the folder's objects on `network`; see PlayedKubernetes for what changes. */
export async function playKubernetes(
  podman: Podman,
  dir: string,
  network: string,
  options: { jobTimeoutMs?: number } = {},
): Promise<PlayedKubernetes> {
  const objects = readKustomization(dir);
  const of = (kind: string) => objects.filter((object) => object.kind === kind);
  const work = mkdtempSync(join(tmpdir(), "kube-play-"));
  const played: string[] = [];
  const adaptations: string[] = [];
  const configMaps = of("ConfigMap");
  const jobs = of("Job");
  const jobNames = new Set(jobs.map((job) => job.metadata.name));

  const play = async (name: string, docs: object[], flags: string[] = []): Promise<string> => {
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, docs.map((doc) => stringify(doc, { version: "1.1" })).join("---\n"));
    played.push(file);
    const { stdout, stderr } = await podman.run(["kube", "play", ...flags, file]);
    return stdout + stderr;
  };

  for (const secret of of("Secret")) {
    const data: Record<string, string> = { ...(secret.data as Record<string, string>) };
    for (const [key, value] of Object.entries(
      (secret.stringData ?? {}) as Record<string, string>,
    )) {
      data[key] = Buffer.from(value).toString("base64");
    }
    // From a file: podman 4.3 takes `-` only from a named pipe, and Node's pipes are sockets.
    const file = join(work, `secret-${secret.metadata.name}.json`);
    writeFileSync(file, JSON.stringify(data), { mode: 0o600 });
    await podman.run(["secret", "create", secret.metadata.name, file]);
    adaptations.push(`Secret ${secret.metadata.name}: podman secret with its data as JSON`);
  }
  const claims = of("PersistentVolumeClaim");
  if (claims.length > 0) await play("claims", claims);
  for (const kind of ["ServiceAccount", "Role", "RoleBinding"]) {
    for (const object of of(kind)) {
      adaptations.push(`${kind} ${object.metadata.name}: not played (no Kubernetes API)`);
    }
  }

  const jobResults: Record<string, number[]> = {};
  for (const job of jobs) {
    const template = (job.spec as { template: PodTemplate }).template;
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: job.metadata.name, labels: template.metadata?.labels },
      spec: template.spec,
    };
    adaptations.push(`Job ${job.metadata.name}: its pod template played as a Pod`);
    await play(`job-${job.metadata.name}`, [...configMaps, pod], ["--network", network]);
    jobResults[job.metadata.name] = [];
    for (const container of template.spec.containers) {
      const name = `${job.metadata.name}-${container.name}`;
      const code = await podman.waitForExit(name, options.jobTimeoutMs ?? 60_000);
      jobResults[job.metadata.name]!.push(code);
      if (code !== 0) {
        const logs = await podman.run(["logs", name], { allowFailure: true });
        throw new Error(
          `Job ${job.metadata.name} failed (exit ${code}):\n${logs.stdout}${logs.stderr}`,
        );
      }
    }
  }

  const services = of("Service").map((service) => {
    const spec = service.spec as {
      selector: Record<string, string>;
      ports: { port: number; targetPort?: number }[];
    };
    return {
      name: service.metadata.name,
      selector: spec.selector,
      port: spec.ports[0]!.port,
      targetPort: spec.ports[0]!.targetPort ?? spec.ports[0]!.port,
    };
  });
  const readiness: PlayedKubernetes["readiness"] = {};
  const deployments = of("Deployment").map((deployment) => {
    const template = structuredClone((deployment.spec as { template: PodTemplate }).template);
    const labels = template.metadata?.labels ?? {};
    const aliases = services
      .filter((s) => Object.entries(s.selector).every(([key, value]) => labels[key] === value))
      .map((s) => s.name);
    for (const container of template.spec.containers as {
      readinessProbe?: {
        httpGet?: { path: string; port: number };
        tcpSocket?: { port: number };
        exec?: object;
      };
    }[]) {
      const probe = container.readinessProbe;
      if (probe?.httpGet) readiness[deployment.metadata.name] = { kind: "http", ...probe.httpGet };
      else if (probe?.tcpSocket)
        readiness[deployment.metadata.name] = { kind: "tcp", ...probe.tcpSocket };
    }
    // podman 4.3 publishes a containerPort on this machine's 0.0.0.0 at the same number, which
    // a cluster does not (it is informational there): taken, it would be another's port.
    const withPorts = (template.spec.containers as { ports?: unknown }[]).filter((c) => c.ports);
    for (const container of withPorts) delete container.ports;
    if (withPorts.length > 0) {
      adaptations.push(
        `Deployment ${deployment.metadata.name}: containerPort not published on this machine`,
      );
    }
    const waits = (template.spec.initContainers ?? []).filter((init) =>
      [...jobNames].some((job) => init.name === `wait-for-${job}`),
    );
    if (waits.length > 0) {
      template.spec.initContainers = template.spec.initContainers!.filter(
        (i) => !waits.includes(i),
      );
      if (template.spec.initContainers.length === 0) delete template.spec.initContainers;
      adaptations.push(
        `Deployment ${deployment.metadata.name}: ${waits.map((w) => w.name).join(", ")} left out, played after the Job succeeded`,
      );
    }
    if (template.spec.initContainers?.length) {
      template.spec.restartPolicy = "OnFailure";
      adaptations.push(
        `Deployment ${deployment.metadata.name}: restartPolicy OnFailure for its init containers`,
      );
    }
    if (aliases.length > 0) {
      adaptations.push(
        `Deployment ${deployment.metadata.name}: network alias ${aliases.join(", ")}`,
      );
    }
    const adapted = { ...deployment, spec: { ...(deployment.spec as object), template } };
    // podman's `--network name:alias=a,alias=b` gives the pod those DNS names on the network.
    const flag = aliases.length
      ? `${network}:${aliases.map((alias) => `alias=${alias}`).join(",")}`
      : network;
    return { name: deployment.metadata.name, docs: [...configMaps, adapted], flag };
  });
  // Kubernetes starts every workload at once and init containers hold each pod back until
  // what it waits for answers; `kube play` waits for a pod's init containers, so the
  // workloads are played side by side.
  await Promise.all(deployments.map((d) => play(d.name, d.docs, ["--network", d.flag])));

  return {
    jobs: jobResults,
    containerOf: (deployment, container) => `${deployment}-pod-0-${container}`,
    services: services.map(({ name, port, targetPort }) => ({ name, port, targetPort })),
    readiness,
    adaptations,
    async down() {
      let output = "";
      for (const file of played.reverse()) {
        const result = await podman.run(["kube", "down", file]);
        output += result.stdout;
      }
      // `kube down` in 4.3 keeps the claims' volumes and the secrets (kubectl delete -k
      // would remove the claims and Secrets, as they are in the kustomization).
      for (const claim of claims) await podman.run(["volume", "rm", claim.metadata.name]);
      for (const secret of of("Secret")) await podman.run(["secret", "rm", secret.metadata.name]);
      return output;
    },
  };
}
