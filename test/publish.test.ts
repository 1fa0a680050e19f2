import { execFile } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { runBerth } from "./helpers/cli.js";
import { repoRoot, tempProject } from "./helpers/project.js";

const run = promisify(execFile);

/** A copy of examples/quickstart, with a .env and a secret reference added. */
function quickstart(): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-publish-"));
  cpSync(join(repoRoot, "examples", "quickstart"), dir, {
    recursive: true,
    filter: (source) => !source.split(/[\\/]/).includes(".berth"),
  });
  return dir;
}

/** Every file of a folder with its bytes. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), "utf8")]),
  );
}

describe("berth publish --target compose", () => {
  test("writes a compose.yaml that docker-compose accepts, and the same bytes again", async () => {
    const dir = quickstart();
    const first = await runBerth(["publish", "--target", "compose"], { cwd: dir });
    expect(first.output).toContain("Compose files for 3 services in deploy/compose/");
    expect(first.output).toContain("written: compose.yaml, Dockerfile, .gitignore");
    expect(first.output).toContain("docker compose -f deploy/compose/compose.yaml up --build");
    expect(first.code).toBe(0);
    const out = join(dir, "deploy", "compose");
    // The engine's own validation, offline.
    await run("docker-compose", ["-f", join(out, "compose.yaml"), "config", "-q"], { cwd: out });
    const { stdout } = await run("docker-compose", ["-f", join(out, "compose.yaml"), "config"]);
    expect(stdout).toContain("API_URL: http://api:4310");
    expect(stdout).toContain("condition: service_completed_successfully");
    expect(stdout).toContain("condition: service_healthy");

    const before = snapshot(out);
    // The shell's environment does not reach the files.
    const again = await runBerth(["publish", "-t", "compose"], {
      cwd: dir,
      env: { INTERVAL_MS: "5", BERTH_API_URL: "http://elsewhere" },
    });
    expect(again.code).toBe(0);
    expect(again.output).toContain("unchanged: compose.yaml, Dockerfile, .gitignore");
    expect(snapshot(out)).toEqual(before);
  });

  test("secret values go to an env file that is private, not committed, and read back as written", async () => {
    const tricky = "sk #1 $HOME ";
    const quoted = "it's C:\\path\\";
    const dir = tempProject({
      ".env": `STRIPE_KEY=${JSON.stringify(tricky)}\nPATHY=\`${quoted}\`\n`,
      "berth.config.json": JSON.stringify({
        services: {
          api: {
            command: "node api.js",
            envFile: ".env",
            env: {
              TOKEN: "{{instance.secret}}",
              MODE: "demo",
              // Values YAML readers would take for something else, or choke on.
              ODD: "=",
              MERGE: "<<",
              TAB: "a\tb",
              LINE: "a\u2028b",
            },
          },
        },
      }),
    });
    const { code, output } = await runBerth(["publish", "-t", "compose"], { cwd: dir });
    expect(output).toContain("api.env (secret, not committed)");
    expect(output).toContain("api.env holds the secret values and is not committed");
    expect(code).toBe(0);
    const out = join(dir, "deploy", "compose");
    const secret = JSON.parse(readFileSync(join(dir, ".berth", "state.json"), "utf8")).instance
      .secret as string;
    expect(statSync(join(out, "api.env")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, ".gitignore"), "utf8")).toContain("/api.env\n");
    expect(readFileSync(join(out, "compose.yaml"), "utf8")).not.toContain(secret);
    // What docker-compose reads from the env file is the value, untouched.
    const { stdout } = await run("docker-compose", ["-f", join(out, "compose.yaml"), "config"]);
    const environment = parse(stdout).services.api.environment as Record<string, string>;
    expect(environment.STRIPE_KEY!.replace(/\$\$/g, "$")).toBe(tricky);
    expect(environment.PATHY).toBe(quoted);
    expect(environment.TOKEN).toBe(secret);
    expect(environment.MODE).toBe("demo");
    // LINE is read too (config passes); PyYAML's own printing of it folds the separator.
    expect(environment).toMatchObject({ ODD: "=", MERGE: "<<", TAB: "a\tb" });
  });

  test("an edited file is not replaced without --force, and nothing else is written", async () => {
    const dir = quickstart();
    expect((await runBerth(["publish", "-t", "compose"], { cwd: dir })).code).toBe(0);
    const out = join(dir, "deploy", "compose");
    appendFileSync(join(out, "compose.yaml"), "# my note\n");
    // A config change that would rewrite the Dockerfile too.
    writeFileSync(join(dir, ".env"), "X=1\n");
    const config = readFileSync(join(dir, "berth.config.ts"), "utf8");
    writeFileSync(
      join(dir, "berth.config.ts"),
      config.replace("services: {", 'envFile: ".env",\n  services: {'),
    );
    const before = snapshot(out);

    const refused = await runBerth(["publish", "-t", "compose"], { cwd: dir });
    expect(refused.code).toBe(10);
    expect(refused.output).toContain("Nothing was written");
    expect(refused.output).toContain("deploy/compose/compose.yaml");
    expect(snapshot(out)).toEqual(before);

    const forced = await runBerth(["publish", "-t", "compose", "--force"], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(out, "compose.yaml"), "utf8")).not.toContain("# my note");
    expect(readFileSync(join(out, "Dockerfile"), "utf8")).toContain(".env");
  });

  test("a service that cannot run in a container is named, and nothing is written", async () => {
    const dir = tempProject({
      "berth.config.json": JSON.stringify({
        services: {
          cache: { command: "redis-server --port {{port}}", port: 6379 },
          api: { command: "node api.js" },
        },
      }),
    });
    const { code, output } = await runBerth(["publish", "-t", "kubernetes"], { cwd: dir });
    expect(output).toContain("Cannot publish");
    expect(output).toContain("services.cache: runs redis-server, which is not Node's");
    expect(code).toBe(3);
    expect(existsSync(join(dir, "deploy"))).toBe(false);
  });
});

describe("berth publish --target kubernetes", () => {
  test("writes manifests and a kustomization; a removed service's file goes too", async () => {
    const dir = quickstart();
    const out = join(dir, "k8s");
    const { code, output } = await runBerth(["publish", "-t", "kubernetes", "--out", "k8s"], {
      cwd: dir,
    });
    expect(output).toContain("docker build -t ");
    expect(output).toContain("kubectl apply -k k8s");
    expect(code).toBe(0);
    expect(Object.keys(snapshot(out))).toEqual([
      ".gitignore",
      "Dockerfile",
      "api.yaml",
      "kustomization.yaml",
      "migrate.yaml",
      "volumes.yaml",
      "wait-for-jobs.yaml",
      "worker.yaml",
    ]);
    const before = snapshot(out);
    expect((await runBerth(["publish", "-t", "kubernetes", "-o", "k8s"], { cwd: dir })).code).toBe(
      0,
    );
    expect(snapshot(out)).toEqual(before);

    const config = readFileSync(join(dir, "berth.config.ts"), "utf8");
    writeFileSync(
      join(dir, "berth.config.ts"),
      config.replace("    worker: {", "    worker: {\n      publish: false,"),
    );
    const after = await runBerth(["publish", "-t", "kubernetes", "-o", "k8s"], { cwd: dir });
    expect(after.output).toContain("removed (no longer made): worker.yaml");
    expect(after.output).toContain("left out (publish: false): worker");
    expect(existsSync(join(out, "worker.yaml"))).toBe(false);
  });
});
