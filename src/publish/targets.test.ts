import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { validateConfig } from "../config/validate.js";
import { composeFiles } from "./compose.js";
import { kubernetesFiles } from "./kubernetes.js";
import { planContainers } from "./plan.js";
import type { OutputFile } from "./write-files.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-targets-"));
  writeFileSync(join(dir, ".env"), "API_KEY=k-123\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = "ab".repeat(32);

/** A project with every kind of service and dependency. */
const shop = {
  name: "shop",
  services: {
    db: {
      command: "postgres -p {{port}}",
      image: "postgres:16",
      port: 5432,
      url: "postgres://postgres@localhost:{{port}}/shop",
      env: { PGDATA: "{{dataDir}}" },
      ready: { command: "pg_isready -h 127.0.0.1 -p {{port}}" },
      stopSignal: "SIGINT",
      stopTimeout: "30s",
    },
    cache: { command: "redis-server", image: "redis:7", port: 6379, ready: { tcp: true } },
    migrate: {
      command: ["node", "migrate.js"],
      oneshot: true,
      dependsOn: ["db"],
      env: { DATABASE_URL: "{{services.db.url}}" },
    },
    api: {
      command: "node api.js --price '$5'",
      envFile: ".env",
      port: "auto",
      dependsOn: { migrate: "completed", cache: "ready" },
      env: { TOKEN: "{{instance.secret}}", CACHE: "{{services.cache.url}}" },
      ready: { http: { path: "/health" } },
    },
    worker: { command: ["node", "worker.js"], port: false, dependsOn: ["api"] },
  },
};

function app() {
  const config = validateConfig(shop, join(dir, "berth.config.ts"), {});
  return planContainers(config, { secret: SECRET });
}

const file = (files: OutputFile[], path: string) => {
  const found = files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path} among ${files.map((f) => f.path).join(", ")}`);
  return found;
};

describe("composeFiles", () => {
  const files = () => composeFiles(app(), join(dir, "deploy", "compose"));

  test("writes compose.yaml, the Node image's Dockerfile, a secret env file and .gitignore", () => {
    const out = files();
    expect(out.map((f) => [f.path, Boolean(f.secret)])).toEqual([
      ["compose.yaml", false],
      ["api.env", true],
      ["Dockerfile", false],
      [".gitignore", false],
    ]);
    expect(file(out, "api.env").body).toBe(`API_KEY='k-123'\nTOKEN='${SECRET}'\n`);
    expect(file(out, ".gitignore").body).toContain("/api.env\n");
    const odd = app();
    odd.services.find((s) => s.name === "api")!.secretEnv = { K: "a'b\\c" };
    expect(file(composeFiles(odd, join(dir, "out")), "api.env").body).toBe('K="a\'b\\\\c"\n');
    odd.services.find((s) => s.name === "api")!.secretEnv = { K: "a'$b" };
    expect(() => composeFiles(odd, join(dir, "out"))).toThrow(
      "services.api: K holds a $ together with a quote or backslash",
    );
    expect(file(out, "compose.yaml").body).not.toContain(SECRET);
    expect(file(out, "compose.yaml").body).not.toContain("k-123");
  });

  test("each service with its image, ports, health check, order and restart", () => {
    const { services, volumes } = parse(file(files(), "compose.yaml").body);
    expect(Object.keys(services)).toEqual(["db", "cache", "migrate", "api", "worker"]);
    expect(services.db).toEqual({
      image: "postgres:16",
      environment: expect.objectContaining({ PGDATA: "/berth/data/db", PORT: "5432" }),
      ports: ["127.0.0.1:5432:5432"],
      volumes: ["db-data:/berth/data/db"],
      healthcheck: {
        test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -p 5432"],
        interval: "2s",
        timeout: "5s",
        retries: 3,
        start_period: "60s",
      },
      restart: "on-failure",
      stop_signal: "SIGINT",
      stop_grace_period: "30s",
    });
    expect(volumes).toEqual({ "db-data": {} });
    expect(services.migrate).toMatchObject({
      image: "shop-node",
      build: { context: "../..", dockerfile: "deploy/compose/Dockerfile" },
      command: ["node", "migrate.js"],
      environment: { DATABASE_URL: "postgres://postgres@db:5432/shop" },
      depends_on: { db: { condition: "service_healthy" } },
      restart: "no",
    });
    expect(services.migrate.ports).toBeUndefined();
    expect(services.api).toMatchObject({
      // Compose would expand `$5`: the value's own `$` is doubled.
      command: ["/bin/sh", "-c", "node api.js --price '$$5'"],
      env_file: ["api.env"],
      // On this machine only; any free port for "auto".
      ports: ["127.0.0.1::8080"],
      depends_on: {
        migrate: { condition: "service_completed_successfully" },
        // redis:7 has no Node for a TCP probe: it is waited for as started.
        cache: { condition: "service_started" },
      },
    });
    expect(services.api.healthcheck.test.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
    expect(services.api.healthcheck.test[3]).toContain('"http://127.0.0.1:8080/health"');
    // One word: podman's Docker API splits a CMD test's arguments on whitespace.
    expect(services.api.healthcheck.test[3]).not.toMatch(/\s/);
    expect(services.cache.healthcheck).toBeUndefined();
    expect(services.worker.depends_on).toEqual({ api: { condition: "service_healthy" } });
  });

  test("strings stay strings for YAML 1.1 and 1.2 readers; scripts stay readable", () => {
    const config = validateConfig(
      {
        services: {
          api: {
            command: "node api.js",
            env: {
              A: "no",
              B: "0o17",
              C: "on",
              D: "plain text",
              E: "<<",
              F: "=",
              G: "a\u2028b\tc",
            },
          },
        },
      },
      join(dir, "berth.config.ts"),
      {},
    );
    const out = composeFiles(planContainers(config, { secret: SECRET }), join(dir, "out"));
    const text = file(out, "compose.yaml").body;
    expect(text).toContain('A: "no"');
    expect(text).toContain('B: "0o17"');
    expect(text).toContain('C: "on"');
    expect(text).toContain("D: plain text");
    expect(text).toContain("restart: on-failure");
    for (const version of ["1.1", "1.2"] as const) {
      expect(parse(text, { version }).services.api.environment).toMatchObject({
        A: "no",
        B: "0o17",
        C: "on",
        E: "<<",
        F: "=",
        G: "a\u2028b\tc",
      });
    }
    const kube = file(kubernetesFiles(app()), "worker.yaml").body;
    expect(kube).toMatch(/- \|-\n\s+const ready = \(\) =>/);
  });

  test("says what it could not carry over", () => {
    expect(app().notes).toEqual([]);
    const planned = app();
    composeFiles(planned, join(dir, "out"));
    expect(planned.notes).toEqual([
      expect.stringContaining("cache's tcp check has no health check in Compose"),
      "What waits for cache in Compose waits only for it to start.",
    ]);
  });
});

describe("kubernetesFiles", () => {
  const objects = (files: OutputFile[], path: string) =>
    parseAllDocuments(file(files, path).body).map((d) => d.toJS());

  test("a file per service, volumes, the Job reader, secrets and the kustomization", () => {
    const out = kubernetesFiles(app());
    expect(out.map((f) => [f.path, Boolean(f.secret)])).toEqual([
      ["db.yaml", false],
      ["cache.yaml", false],
      ["migrate.yaml", false],
      ["api.yaml", false],
      ["worker.yaml", false],
      ["volumes.yaml", false],
      ["wait-for-jobs.yaml", false],
      ["secrets.yaml", true],
      ["kustomization.yaml", false],
      ["Dockerfile", false],
      [".gitignore", false],
    ]);
    expect(parse(file(out, "kustomization.yaml").body).resources).toEqual(
      out
        .filter((f) => f.path.endsWith(".yaml") && f.path !== "kustomization.yaml")
        .map((f) => f.path),
    );
    expect(file(out, ".gitignore").body).toContain("/secrets.yaml\n");
    const committed = out
      .filter((f) => !f.secret)
      .map((f) => f.body)
      .join("");
    expect(committed).not.toContain(SECRET);
    expect(committed).not.toContain("k-123");
    expect(objects(out, "secrets.yaml")).toEqual([
      expect.objectContaining({
        kind: "Secret",
        metadata: expect.objectContaining({ name: "api-secret" }),
        stringData: { API_KEY: "k-123", TOKEN: SECRET },
      }),
    ]);
  });

  test("a long-running service is a Deployment with its Service, probe and env", () => {
    const out = kubernetesFiles(app());
    const [config, deployment, service] = objects(out, "db.yaml");
    expect(config).toMatchObject({ kind: "ConfigMap", data: { PGDATA: "/berth/data/db" } });
    expect(deployment.kind).toBe("Deployment");
    expect(deployment.spec.strategy).toEqual({ type: "Recreate" });
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0]).toMatchObject({
      image: "postgres:16",
      readinessProbe: { exec: { command: ["/bin/sh", "-c", "pg_isready -h 127.0.0.1 -p 5432"] } },
      volumeMounts: [{ name: "db-data", mountPath: "/berth/data/db" }],
    });
    expect(pod.containers[0].imagePullPolicy).toBeUndefined();
    expect(pod.volumes).toEqual([
      { name: "db-data", persistentVolumeClaim: { claimName: "db-data" } },
    ]);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(service).toMatchObject({
      kind: "Service",
      metadata: { name: "db" },
      spec: { ports: [{ port: 5432, targetPort: 5432 }] },
    });
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.metadata.labels).toEqual({
      "app.kubernetes.io/name": "db",
      "app.kubernetes.io/part-of": "shop",
      "app.kubernetes.io/managed-by": "berth",
    });
  });

  test("pods restart when their variables change; built images are pulled when pushed", () => {
    const planned = app();
    const before = objects(kubernetesFiles(planned), "api.yaml")[1].spec.template.metadata;
    expect(before.annotations["checksum/env"]).toMatch(/^[0-9a-f]{16}$/);
    planned.services.find((s) => s.name === "api")!.env.LEVEL = "debug";
    const after = objects(kubernetesFiles(planned), "api.yaml")[1].spec.template.metadata;
    expect(after.annotations["checksum/env"]).not.toBe(before.annotations["checksum/env"]);

    const pushed = { ...app(), registry: "ghcr.io/acme" };
    const container = objects(kubernetesFiles(pushed), "api.yaml")[1].spec.template.spec
      .containers[0];
    expect(container.imagePullPolicy).toBeUndefined();
  });

  test("says what Kubernetes does differently", () => {
    const planned = app();
    kubernetesFiles(planned);
    expect(planned.notes).toEqual([
      "db stops with SIGINT here; Kubernetes sends SIGTERM (set STOPSIGNAL in its image to change that).",
    ]);
  });

  test("a oneshot is a Job; what waits for it asks the API with a Job reader", () => {
    const out = kubernetesFiles(app());
    const [, job] = objects(out, "migrate.yaml");
    expect(job).toMatchObject({ kind: "Job", spec: { backoffLimit: 0 } });
    expect(job.spec.template.spec.restartPolicy).toBe("Never");
    expect(job.spec.template.spec.initContainers).toEqual([
      expect.objectContaining({ name: "wait-for-db", image: "node:20-slim" }),
    ]);
    const api = objects(out, "api.yaml")[1].spec.template.spec;
    expect(api.serviceAccountName).toBe("shop-berth-wait");
    expect(api.initContainers.map((c: { name: string }) => c.name)).toEqual([
      "wait-for-cache",
      "wait-for-migrate",
    ]);
    expect(api.containers[0]).toMatchObject({
      image: "shop-node",
      imagePullPolicy: "IfNotPresent",
      readinessProbe: { httpGet: { path: "/health", port: 8080 } },
      envFrom: [{ configMapRef: { name: "api-env" } }, { secretRef: { name: "api-secret" } }],
    });
    const reader = objects(out, "wait-for-jobs.yaml");
    expect(reader.map((o) => o.kind)).toEqual(["ServiceAccount", "Role", "RoleBinding"]);
    expect(reader[1].rules).toEqual([
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get"] },
    ]);
    // Not every pod reads Jobs: only those that wait for one.
    expect(objects(out, "worker.yaml")[1].spec.template.spec.serviceAccountName).toBeUndefined();
  });
});
