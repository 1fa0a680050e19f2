import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Real podman for end-to-end tests, kept away from the machine's own containers: a private
 * store (`--root`, `--runroot`, `--tmpdir`) and network folder in a temporary folder, and a
 * `containers.conf` (named by CONTAINERS_CONF) with the two settings this kind of machine
 * needs. `remove()` deletes every container, pod, volume, secret, network and image made
 * through it, then the folder. See docs/publish-engines.md for why each setting is there.
 */
export interface Podman {
  /** The temporary folder holding the store, the config and the service's socket. */
  dir: string;
  /** Environment for podman and for tools that run it (CONTAINERS_CONF). */
  env: NodeJS.ProcessEnv;
  /** Runs `podman <args>` against the private store; rejects with its output on failure. */
  run(args: string[], options?: RunOptions): Promise<Output>;
  /** Creates a bridge network with DNS (names resolve between its containers). */
  createNetwork(name: string, labels?: Record<string, string>): string;
  /** Starts `podman system service` on a socket in `dir`; resolves with its DOCKER_HOST. */
  startService(): Promise<string>;
  /** Runs due health checks until stopped (there is no systemd to run them here). */
  driveHealthChecks(): { stop(): Promise<void> };
  /** Resolves with a container's exit code once it has exited. */
  waitForExit(container: string, timeoutMs: number): Promise<number>;
  /** One HTTP GET from a fresh container on `network`, as another service would make it. */
  fetchFrom(network: string, image: string, url: string): Promise<HttpAnswer>;
  /** Removes everything made through this instance, then its folder. */
  remove(): Promise<void>;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  cwd?: string;
  /** Resolve instead of reject when the exit code is not 0. */
  allowFailure?: boolean;
}

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** `status` is 0 when the request failed; `body` then says why. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * This kind of machine's root lacks cap_sys_resource, so podman's default ulimits (raising
 * nofile) fail; crun fails in a hybrid cgroup setup, runc works. The network folder is ours so
 * networks made here never mix with the machine's.
 */
function containersConf(networkDir: string): string {
  return [
    "[containers]",
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
    "[engine]",
    'runtime = "runc"',
    "[network]",
    'network_backend = "netavark"',
    `network_config_dir = ${JSON.stringify(networkDir)}`,
    "",
  ].join("\n");
}

const DEFAULT_TIMEOUT_MS = 120_000;

const INSTALL =
  "Debian: apt-get install --no-install-recommends podman runc catatonit netavark aardvark-dns " +
  "iptables docker-compose; .ci/run installs them";

/** Fails with what to install when a program the engine tests need is not on the PATH. */
export async function requireTools(tools: string[]): Promise<void> {
  const missing: string[] = [];
  for (const tool of tools) {
    const found = await exec("sh", ["-c", 'command -v "$0"', tool], process.env, {
      allowFailure: true,
    });
    if (found.code !== 0) missing.push(tool);
  }
  if (missing.length > 0) {
    throw new Error(`${missing.join(", ")} not found: the engine tests need it (${INSTALL})`);
  }
}

/**
 * Fails with what is missing for `createPodman`: root (rootless podman needs other
 * settings), the programs, and the network helpers podman looks for in its helper folders
 * (without aardvark-dns, names do not resolve between containers).
 */
export async function requirePodman(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error("the engine tests run podman as root (rootless podman needs other settings)");
  }
  await requireTools(["podman", "runc", "catatonit", "iptables"]);
  const folders = [
    "/usr/local/libexec/podman",
    "/usr/local/lib/podman",
    "/usr/libexec/podman",
    "/usr/lib/podman",
  ];
  const missing = ["netavark", "aardvark-dns"].filter(
    (helper) => !folders.some((folder) => existsSync(join(folder, helper))),
  );
  if (missing.length > 0) {
    throw new Error(`${missing.join(", ")} not found in ${folders.join(", ")} (${INSTALL})`);
  }
}

/** A private podman; call `remove()` in afterAll. */
export function createPodman(): Podman {
  const dir = mkdtempSync(join(tmpdir(), "podman-"));
  const networkDir = join(dir, "networks");
  mkdirSync(networkDir);
  mkdirSync(join(dir, "tmp"));
  writeFileSync(join(dir, "containers.conf"), containersConf(networkDir));
  const env = { ...process.env, CONTAINERS_CONF: join(dir, "containers.conf") };
  const global = [
    "--root",
    join(dir, "root"),
    "--runroot",
    join(dir, "run"),
    "--tmpdir",
    join(dir, "tmp"),
  ];
  const networks: string[] = [];
  let service: ChildProcess | undefined;
  const drivers = new Set<{ stop(): Promise<void> }>();

  const run = (args: string[], options: RunOptions = {}): Promise<Output> =>
    exec("podman", [...global, ...args], env, options);

  return {
    dir,
    env,
    run,
    createNetwork(name, labels = {}) {
      networks.push(name);
      writeFileSync(join(networkDir, `${name}.json`), JSON.stringify(networkConfig(name, labels)));
      return name;
    },
    async startService() {
      const socket = join(dir, "podman.sock");
      service = spawn("podman", [...global, "system", "service", "--time=0", `unix://${socket}`], {
        env,
        detached: true,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      service.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      for (let i = 0; !existsSync(socket); i++) {
        if (service.exitCode !== null || i > 200) {
          throw new Error(`podman system service did not listen on ${socket}:\n${stderr}`);
        }
        await sleep(50);
      }
      return `unix://${socket}`;
    },
    driveHealthChecks() {
      const driver = healthDriver(run);
      drivers.add(driver);
      return {
        stop: async () => {
          drivers.delete(driver);
          await driver.stop();
        },
      };
    },
    async waitForExit(container, timeoutMs) {
      const { stdout } = await run(["wait", "--condition=exited", container], { timeoutMs });
      return Number(stdout.trim());
    },
    async fetchFrom(network, image, url) {
      const script =
        `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(5000) })` +
        ".then(async (r) => ({ status: r.status, body: await r.text() }))" +
        ".catch((e) => ({ status: 0, body: String(e.cause ?? e) }))" +
        ".then((a) => console.log(JSON.stringify(a)))";
      const { stdout } = await run([
        "run",
        "--rm",
        "--network",
        network,
        image,
        "node",
        "-e",
        script,
      ]);
      return JSON.parse(stdout.trim().split("\n").at(-1)!) as HttpAnswer;
    },
    async remove() {
      await Promise.all([...drivers].map((driver) => driver.stop()));
      if (service?.pid) {
        try {
          process.kill(-service.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      // The store is ours alone, so "all" means what this test made; every step runs even
      // when an earlier one fails, so nothing stays behind.
      const steps = [
        ["pod", "rm", "--all", "--force", "--time", "0"],
        ["rm", "--all", "--force", "--time", "0"],
        ["volume", "rm", "--all", "--force"],
        ["secret", "rm", "--all"],
        ...networks.map((name) => ["network", "rm", "--force", name]),
        ["rmi", "--all", "--force"],
      ];
      const failures: string[] = [];
      for (const step of steps) {
        const result = await run(step, { allowFailure: true });
        if (result.code !== 0) failures.push(`podman ${step.join(" ")}: ${result.stderr.trim()}`);
      }
      const left = await leftovers(run);
      if (left.length === 0) rmSync(dir, { recursive: true, force: true });
      if (left.length > 0 || failures.length > 0) {
        throw new Error(
          `podman clean-up left ${left.join(", ") || "nothing"} in ${dir}\n${failures.join("\n")}`,
        );
      }
    },
  };
}

/** What the store still holds, by kind; empty when clean. */
async function leftovers(run: Podman["run"]): Promise<string[]> {
  const kinds: [string, string[]][] = [
    ["containers", ["ps", "--all", "--quiet"]],
    ["pods", ["pod", "ps", "--quiet"]],
    ["volumes", ["volume", "ls", "--quiet"]],
    ["secrets", ["secret", "ls", "--quiet"]],
    ["images", ["images", "--quiet"]],
  ];
  const left: string[] = [];
  for (const [kind, args] of kinds) {
    const { stdout } = await run(args, { allowFailure: true });
    const count = stdout.split("\n").filter((line) => line.trim() !== "").length;
    if (count > 0) left.push(`${count} ${kind}`);
  }
  return left;
}

/**
 * A netavark network config written by hand: podman 4.3's `network create` cannot name the
 * bridge, and its next free name (`podman1`, …) is only free among this store's networks and
 * the host's live interfaces, so it could be the bridge of a machine network that is down
 * right now. A name and subnet of our own cannot clash.
 */
function networkConfig(name: string, labels: Record<string, string>): object {
  const subnet = freeSubnet();
  return {
    name,
    id: randomBytes(32).toString("hex"),
    driver: "bridge",
    network_interface: `brt${randomBytes(4).toString("hex")}`,
    created: new Date().toISOString(),
    subnets: [{ subnet: `${subnet}.0/24`, gateway: `${subnet}.1` }],
    ipv6_enabled: false,
    internal: false,
    dns_enabled: true,
    labels,
    ipam_options: { driver: "host-local" },
  };
}

/** A random 10.x.y.0/24 used by no interface here and by no network of the machine's podman. */
function freeSubnet(): string {
  const used = new Set<string>();
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4") used.add(address.address.split(".").slice(0, 3).join("."));
    }
  }
  const machineNetworks = "/etc/containers/networks";
  if (existsSync(machineNetworks)) {
    for (const file of readdirSync(machineNetworks).filter((f) => f.endsWith(".json"))) {
      const text = readFileSync(join(machineNetworks, file), "utf8");
      for (const match of text.matchAll(/"subnet":\s*"(\d+\.\d+\.\d+)\./g)) used.add(match[1]!);
    }
  }
  for (;;) {
    const candidate = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]!}`;
    if (!used.has(candidate)) return candidate;
  }
}

/**
 * Stands for the systemd timers podman uses to run health checks: every half second, runs
 * `podman healthcheck run` for each running container whose check is due by its own interval.
 */
function healthDriver(run: Podman["run"]): { stop(): Promise<void> } {
  let stopped = false;
  const due = new Map<string, number>();
  const intervals = new Map<string, number>();
  const loop = (async () => {
    while (!stopped) {
      const { stdout } = await run(
        [
          "ps",
          "--quiet",
          "--no-trunc",
          ...["starting", "healthy", "unhealthy"].flatMap((h) => ["--filter", `health=${h}`]),
        ],
        { allowFailure: true },
      );
      const now = Date.now();
      const checks = stdout
        .split("\n")
        .filter((id) => id !== "")
        .map(async (id) => {
          if (!intervals.has(id)) {
            const inspect = await run(
              ["inspect", "--format", "{{json .Config.Healthcheck.Interval}}", id],
              {
                allowFailure: true,
              },
            );
            intervals.set(id, Number(inspect.stdout.trim()) / 1e6 || 1000);
          }
          if ((due.get(id) ?? 0) > now) return;
          due.set(id, now + intervals.get(id)!);
          await run(["healthcheck", "run", id], { allowFailure: true });
        });
      await Promise.all(checks);
      await sleep(500);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Runs a program to completion with a bound; rejects with its output unless allowed. */
function exec(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions = {},
): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        if (code === 0 || options.allowFailure) resolve({ code, stdout, stderr });
        else {
          const why = error?.killed
            ? `timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
            : `exit ${code}`;
          reject(new Error(`${file} ${args.join(" ")}: ${why}\n${stdout}${stderr}`));
        }
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** Runs any program (docker-compose, kubectl) with the engine's environment. */
export function runTool(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions = {},
): Promise<Output> {
  return exec(file, args, env, options);
}
