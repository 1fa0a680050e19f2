import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { composeOnPodman } from "./helpers/compose-on-podman.js";
import { playKubernetes, readKustomization } from "./helpers/kube-on-podman.js";
import {
  createPodman,
  requirePodman,
  requireTools,
  runTool,
  type Podman,
} from "./helpers/podman.js";
import { ensureNodeImage, TEST_NODE_IMAGE } from "./helpers/podman-node-image.js";
import { repoRoot } from "./helpers/project.js";

/*
 * The quickstart published by `berth publish` and run on real engines: podman 4.3's
 * `kube play` for the Kubernetes files, docker-compose 1.29 against podman's
 * Docker-compatible socket for the Compose file. What the tests change in the generated files
 * for podman, and why, is in docs/publish-engines.md. Nothing is skipped: a missing engine
 * fails with what to install.
 */

const ENGINE_TIMEOUT_MS = 150_000;

let podman: Podman;
let project: string;

/**
 * A copy of examples/quickstart that names the test's Node image and gives the API a secret
 * value, so the Secret (Kubernetes) and the env file (Compose) are played too.
 */
function quickstart(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "publish-engines-")), "quickstart");
  cpSync(join(repoRoot, "examples", "quickstart"), dir, {
    recursive: true,
    filter: (source) => !source.split(/[\\/]/).includes(".berth"),
  });
  const file = join(dir, "berth.config.ts");
  const config = readFileSync(file, "utf8")
    .replace(
      "export default defineConfig({",
      `export default defineConfig({\n  publish: { nodeImage: ${JSON.stringify(TEST_NODE_IMAGE)} },`,
    )
    .replace(
      'INSTANCE_NAME: "{{instance.name}}",',
      '$&\n        ADMIN_KEY: "{{instance.secret}}",',
    );
  expect(config).toContain("ADMIN_KEY");
  expect(config).toContain("nodeImage");
  writeFileSync(file, config);
  return dir;
}

/** The instance secret `berth publish` read from .berth/state.json (the secret values' source). */
function instanceSecret(dir: string): string {
  const state = JSON.parse(readFileSync(join(dir, ".berth", "state.json"), "utf8")) as {
    instance: { secret: string };
  };
  return state.instance.secret;
}

/** Polls `read` until `pattern` matches, or fails with the last text seen. */
async function waitForText(
  read: () => Promise<string>,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  for (;;) {
    text = await read();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${text}`);
    await sleep(500);
  }
}

/** The names of what the store holds (containers, pods, volumes), for "nothing left". */
async function running(): Promise<{ containers: string; pods: string; volumes: string }> {
  const names = async (args: string[]) => (await podman.run(args)).stdout.trim();
  return {
    containers: await names(["ps", "--all", "--format", "{{.Names}}"]),
    pods: await names(["pod", "ps", "--format", "{{.Name}}"]),
    volumes: await names(["volume", "ls", "--format", "{{.Name}}"]),
  };
}

describe("the generated compose.yaml, read by docker-compose", () => {
  test("passes docker-compose config -q, which also reads the secret env file", async () => {
    await requireTools(["docker-compose"]);
    const dir = quickstart();
    const published = await runBerth(["publish", "--target", "compose"], { cwd: dir });
    expect(published.code).toBe(0);
    const out = join(dir, "deploy", "compose");
    await runTool("docker-compose", ["-f", "compose.yaml", "config", "-q"], process.env, {
      cwd: out,
    });
    const { stdout } = await runTool(
      "docker-compose",
      ["-f", "compose.yaml", "config"],
      process.env,
      {
        cwd: out,
      },
    );
    const config = parseYaml(stdout) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    expect(config.services.api!.environment.ADMIN_KEY).toBe(instanceSecret(dir));
  });
});

describe("berth publish on real engines", () => {
  beforeAll(async () => {
    await requirePodman();
    await requireTools(["docker-compose"]);
    podman = createPodman();
    await ensureNodeImage(podman);
    project = quickstart();
  }, ENGINE_TIMEOUT_MS);

  afterAll(async () => {
    await podman?.remove();
  }, ENGINE_TIMEOUT_MS);

  test(
    "Kubernetes on podman kube play: the Job completes, the API answers by its Service name, the worker calls it",
    async () => {
      const published = await runBerth(["publish", "--target", "kubernetes"], { cwd: project });
      expect(published.output).toContain("Kubernetes files for 3 services in deploy/kubernetes/");
      expect(published.code).toBe(0);
      const out = join(project, "deploy", "kubernetes");
      const secret = instanceSecret(project);

      // The image every manifest names, built from the Dockerfile written beside them.
      const objects = readKustomization(out);
      // The name the API answers with, as published (the project's name in the files).
      const apiEnv = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "api-env");
      const name = (apiEnv?.data as Record<string, string>).INSTANCE_NAME;
      expect(name).toBe("quickstart");
      const images = new Set(
        objects
          .filter((o) => o.kind === "Deployment" || o.kind === "Job")
          .flatMap((o) => {
            const spec = (o.spec as { template: { spec: { containers: { image: string }[] } } })
              .template.spec;
            return spec.containers.map((c) => c.image);
          }),
      );
      expect([...images]).toHaveLength(1);
      const [image] = images;
      await podman.run(["build", "-q", "-t", image!, "-f", join(out, "Dockerfile"), project], {
        timeoutMs: ENGINE_TIMEOUT_MS,
      });

      const network = podman.createNetwork(`berth-kube-${process.pid}`);
      const played = await playKubernetes(podman, out, network);
      // Exactly the changes docs/publish-engines.md lists, and no others.
      expect(played.adaptations).toEqual([
        "Secret api-secret: podman secret with its data as JSON",
        "ServiceAccount quickstart-berth-wait: not played (no Kubernetes API)",
        "Role quickstart-berth-wait: not played (no Kubernetes API)",
        "RoleBinding quickstart-berth-wait: not played (no Kubernetes API)",
        "Job migrate: its pod template played as a Pod",
        "Deployment api: containerPort not published on this machine",
        "Deployment api: wait-for-migrate left out, played after the Job succeeded",
        "Deployment api: network alias api",
        "Deployment worker: restartPolicy OnFailure for its init containers",
      ]);
      expect(played.jobs).toEqual({ migrate: [0] });
      const migrateLogs = await podman.run(["logs", "migrate-migrate"]);
      expect(migrateLogs.stdout).toContain("migrate: applied 001_initial (seeded one todo)");

      // The API's readiness probe, made from another container through the Service.
      const api = played.services.find((s) => s.name === "api")!;
      const probe = played.readiness.api!;
      expect(probe).toEqual({ kind: "http", path: "/whoami", port: api.targetPort });
      // Probed until it answers at all, as the kubelet would (the worker's init container
      // already waited for it through the same name, so this is normally the first try).
      let answer = await podman.fetchFrom(
        network,
        TEST_NODE_IMAGE,
        `http://api:${api.port}${probe.path}`,
      );
      for (let i = 0; answer.status === 0 && i < 30; i++) {
        await sleep(1000);
        answer = await podman.fetchFrom(
          network,
          TEST_NODE_IMAGE,
          `http://api:${api.port}${probe.path}`,
        );
      }
      expect(answer).toEqual({ status: 200, body: name });

      // The worker got past its wait-for-api init container and calls the API by its name.
      const worker = played.containerOf("worker", "worker");
      await waitForText(
        async () => (await podman.run(["logs", worker])).stdout,
        /worker: processed job \d+; \d+ todos in the API/,
      );

      // The Secret reached the API through envFrom.
      const env = await podman.run([
        "exec",
        played.containerOf("api", "api"),
        "node",
        "-e",
        "console.log(process.env.ADMIN_KEY)",
      ]);
      expect(env.stdout.trim()).toBe(secret);

      const down = await played.down();
      expect(down).toContain("Pods removed");
      expect(await running()).toEqual({ containers: "", pods: "", volumes: "" });
    },
    ENGINE_TIMEOUT_MS,
  );

  test(
    "Compose with docker-compose on podman's socket: migrate, a healthy API, a worker that calls it",
    async () => {
      const published = await runBerth(["publish", "--target", "compose"], { cwd: project });
      expect(published.output).toContain("Compose files for 3 services in deploy/compose/");
      expect(published.code).toBe(0);
      const out = join(project, "deploy", "compose");
      const secret = instanceSecret(project);
      const written = parseYaml(readFileSync(join(out, "compose.yaml"), "utf8")) as {
        services: Record<string, { environment: Record<string, string>; env_file?: string[] }>;
      };
      const name = written.services.api!.environment.INSTANCE_NAME;
      expect(name).toBe("quickstart");
      // The secret value is in the env file, not in the committed compose.yaml.
      expect(written.services.api!.env_file).toEqual(["api.env"]);
      expect(written.services.api!.environment.ADMIN_KEY).toBeUndefined();
      await runTool("docker-compose", ["-f", "compose.yaml", "config", "-q"], process.env, {
        cwd: out,
      });

      const dockerHost = await podman.startService();
      const composeProject = composeOnPodman(podman, out, dockerHost, `berth-e2e-${process.pid}`);
      // docker-compose builds the image from the compose file's own build section.
      await composeProject.compose(["build"], { timeoutMs: ENGINE_TIMEOUT_MS });
      const health = podman.driveHealthChecks();
      try {
        await composeProject.compose(["up", "-d"], { timeoutMs: ENGINE_TIMEOUT_MS });
      } catch (error) {
        // What the health checks said is what tells why a dependent was not started.
        const health = await podman.run(
          ["inspect", "--format", "{{json .State.Health}}", composeProject.containerOf("api")],
          { allowFailure: true },
        );
        throw new Error(`${(error as Error).message}\napi's health: ${health.stdout}`);
      } finally {
        await health.stop();
      }
      const migrate = await podman.run([
        "inspect",
        "--format",
        "{{.State.Status}} {{.State.ExitCode}}",
        composeProject.containerOf("migrate"),
      ]);
      expect(migrate.stdout.trim()).toBe("exited 0");
      const apiHealth = await podman.run([
        "inspect",
        "--format",
        "{{.State.Health.Status}}",
        composeProject.containerOf("api"),
      ]);
      expect(apiHealth.stdout.trim()).toBe("healthy");

      // From another container on the project's network, by the service's name…
      const answer = await podman.fetchFrom(
        composeProject.network,
        TEST_NODE_IMAGE,
        "http://api:4310/whoami",
      );
      expect(answer).toEqual({ status: 200, body: name });
      // …and from this machine through the published port.
      const port = await composeProject.compose(["port", "api", "4310"]);
      const hostAnswer = await fetch(`http://${port.stdout.trim()}/whoami`);
      expect(await hostAnswer.text()).toBe(name);

      await waitForText(
        async () => (await composeProject.compose(["logs", "--no-color", "worker"])).stdout,
        /worker: processed job \d+; \d+ todos in the API/,
      );
      const env = await podman.run([
        "exec",
        composeProject.containerOf("api"),
        "node",
        "-e",
        "console.log(process.env.ADMIN_KEY)",
      ]);
      expect(env.stdout.trim()).toBe(secret);

      await composeProject.compose(["down", "-v"], { timeoutMs: ENGINE_TIMEOUT_MS });
      expect(await running()).toEqual({ containers: "", pods: "", volumes: "" });
    },
    ENGINE_TIMEOUT_MS,
  );
});
