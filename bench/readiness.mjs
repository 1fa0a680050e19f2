// Readiness benchmark: how long after a service starts answering is it seen as ready?
//
// Starts a small HTTP server (fixtures/late-server.mjs: random 50–400 ms start-up) again
// and again, and measures from the moment its listen callback fires to the moment it is
// seen as ready: by berth's supervisor (which spawns it and emits "ready"), by berth's
// `waitUntilReady` alone, and by `wait-on` (JS API, default 250 ms interval), all from
// source (bench/berth.mjs), taking turns, in one run. Measuring from listen, not from spawn, keeps
// Node's own start-up (and the ~40 ms NODE_EXTRA_CA_CERTS adds to it) out of the figures.
//
// Usage: node bench/readiness.mjs [--starts N]   (default 50 starts per waiter)
// Reuse: import { measureOnce, summarize } and pass another waiter `(port) => Promise`.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import waitOn from "wait-on";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importSource } from "./berth.mjs";

const { waitUntilReady } = await importSource("supervisor/readiness/index.ts");
const { Supervisor } = await importSource("supervisor/supervisor.ts");

const fixture = fileURLToPath(new URL("./fixtures/late-server.mjs", import.meta.url));
const TIMEOUT_MS = 30_000;

/** The waiters compared: each resolves once it considers the server on `port` ready. */
export const waiters = {
  berth: (port) =>
    waitUntilReady({
      check: { kind: "http", url: `http://127.0.0.1:${port}/`, timeoutMs: TIMEOUT_MS },
      signal: new globalThis.AbortController().signal,
    }),
  "wait-on": (port) => waitOn({ resources: [`http://127.0.0.1:${port}`], timeout: TIMEOUT_MS }),
};

/** Children still running, killed on the way out whatever happens. */
const children = new Set();

/**
 * Starts the fixture once on a free port, runs `waiter(port)` right after the spawn, and
 * returns the milliseconds from the server's listen callback to the waiter resolving.
 */
export async function measureOnce(waiter) {
  const port = await freePort();
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  children.add(child);
  const listened = listenMoment(child);
  try {
    await waiter(port);
    const detectedAt = now();
    return detectedAt - (await listened);
  } finally {
    await stop(child);
  }
}

/**
 * The whole path berth takes: the supervisor spawns the fixture and marks it ready. Returns
 * the milliseconds from the server's listen callback to the supervisor's "ready" event.
 */
export async function measureSupervisor() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-ready-"));
  const supervisor = new Supervisor({
    appHostPath: join(dir, "berth.config.ts"),
    projectDir: dir,
    stateDir: join(dir, ".berth"),
    instance: { name: "bench", secret: "0".repeat(64) },
    services: [
      {
        name: "api",
        oneshot: false,
        command: { file: process.execPath, args: [fixture], display: "late-server" },
        cwd: dir,
        env: { PORT: String(port) },
        port,
        dataDir: join(dir, ".berth", "data", "api"),
        logFile: join(dir, ".berth", "logs", "api.log"),
        ready: { kind: "http", url: `http://127.0.0.1:${port}/`, timeoutMs: TIMEOUT_MS },
        dependsOn: [],
        restart: { policy: "no", maxRestarts: 0, windowMs: 1, initialDelayMs: 1, maxDelayMs: 1 },
        stop: { signal: "SIGKILL", graceMs: 1000 },
      },
    ],
  });
  let listenedAt;
  let readyAt;
  supervisor.subscribe((event) => {
    if (event.type === "log") {
      for (const line of event.lines) {
        const match = /listening (\d+(?:\.\d+)?)/.exec(line);
        if (match) listenedAt = Number(match[1]);
      }
    } else if (event.type === "state" && event.state === "ready") {
      readyAt = now();
    }
  });
  try {
    await supervisor.start();
    // The listen line may arrive just after the probe got its answer.
    while (listenedAt === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    if (readyAt === undefined) throw new Error("the fixture never became ready");
    return readyAt - listenedAt;
  } finally {
    await supervisor.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median and p99 (nearest rank) of a list of milliseconds. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { median: rank(0.5), p99: rank(0.99) };
}

function now() {
  return performance.timeOrigin + performance.now();
}

/** The timestamp the fixture prints from its listen callback. */
function listenMoment(child) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening (\d+(?:\.\d+)?)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) =>
      reject(new Error(`fixture exited (code ${code}) before listening`)),
    );
  });
}

async function stop(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await exited;
  }
  children.delete(child);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function killAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function main() {
  const flag = process.argv.indexOf("--starts");
  const starts = flag === -1 ? 50 : Number(process.argv[flag + 1]);
  const measures = {
    "berth supervisor": measureSupervisor,
    "berth probe": () => measureOnce(waiters.berth),
    "wait-on": () => measureOnce(waiters["wait-on"]),
  };
  const names = Object.keys(measures);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  // One start each, not counted: the first run of any code in this process is cold.
  for (const name of names) await measures[name]();
  for (let round = 0; round < starts; round++) {
    // Rotate who goes first, so none always runs on a machine another warmed.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) samples[name].push(await measures[name]());
  }
  const ms = (value) => `${value.toFixed(2)} ms`;
  const summary = Object.fromEntries(names.map((name) => [name, summarize(samples[name])]));
  for (const name of names) {
    console.log(`${name} readiness median: ${ms(summary[name].median)}`);
    console.log(`${name} readiness p99: ${ms(summary[name].p99)}`);
  }
  const berth = summary["berth supervisor"];
  const other = summary["wait-on"];
  console.log(`ratio wait-on/berth median: ${(other.median / berth.median).toFixed(1)}x`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
