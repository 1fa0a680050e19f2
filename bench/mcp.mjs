// `berth mcp` benchmark, two figures.
//
// Start-up: from spawning the built `berth mcp` to the answer of its first `tools/list`
// (the client's `initialize`, then `notifications/initialized` and `tools/list`, as a client
// sends them), beside `node -e 0` (spawn to exit) in the same run, taking turns; medians of
// --runs (default 20) and their ratio. Target: within 3x of `node -e 0`.
//
// Discovery: one `berth mcp` running on a private runtime dir while app hosts start one after
// another (left running): real control servers (control/server.ts, from source through
// bench/berth.mjs, as bench/discovery.mjs starts them) over a target without processes.
// Measured from the moment each socket appears (just after `listen`, which creates the
// socket file synchronously) to the answer of the first `list_app_hosts` call that lists it,
// and to the first that lists it as live with its services counted; the bench calls the
// tool back to back meanwhile, as an agent waiting for its app would. Median and p99 over
// --hosts (default 50). Target: p99 under 100 ms.
//
// Usage: npm run bench:mcp   (or: npm run build && node bench/mcp.mjs [--runs N] [--hosts N])
//   --samples: print every discovery measurement too.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { berthCli } from "./berth.mjs";
import { listenedAt, startFakeHost } from "./fake-host.mjs";

const berth = berthCli();

const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const RUNS = flag("--runs", 20);
const HOSTS = flag("--hosts", 50);
const TARGET_RATIO = 3;
const TARGET_P99_MS = 100;
const ANSWER_TIMEOUT_MS = 10_000;

// Short: socket paths must stay under 100 bytes.
const root = mkdtempSync(join(tmpdir(), "bm-"));
const env = {
  ...process.env,
  BERTH_HOME: join(root, "home"),
  BERTH_RUNTIME_DIR: join(root, "run"),
  XDG_RUNTIME_DIR: join(root, "xdg"),
};

/** Median and p99 (nearest rank) of a list of milliseconds. */
function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { median: rank(0.5), p99: rank(0.99), max: sorted.at(-1) };
}

/**
 * A client of a spawned `berth mcp` speaking newline-delimited JSON-RPC (the stdio
 * transport's framing) itself, so the bench measures the server, not a client library.
 */
function startMcp(cwd) {
  const child = spawn(process.execPath, [berth, "mcp"], {
    cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const pending = new Map();
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n")) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      pending.get(message.id)?.(message);
    }
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  void exited.then(() => {
    for (const [id, settle] of pending)
      settle({ id, error: { message: `berth mcp exited: ${stderr}` } });
  });
  let nextId = 1;
  const send = (message) =>
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  return {
    request(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${method}: no answer within ${ANSWER_TIMEOUT_MS} ms\n${stderr}`)),
          ANSWER_TIMEOUT_MS,
        );
        pending.set(id, (message) => {
          clearTimeout(timer);
          pending.delete(id);
          if (message.error) reject(new Error(`${method}: ${message.error.message}`));
          else resolve(message.result);
        });
        send({ id, method, params });
      });
    },
    notify: (method, params = {}) => send({ method, params }),
    /** Closes stdin, as a client leaving does; kills the server if it does not end. */
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function initialize(mcp) {
  await mcp.request("initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "berth-bench", version: "1.0.0" },
  });
  mcp.notify("notifications/initialized");
}

/** Spawn to the answer of the first tools/list, in ms. */
async function firstToolsList(cwd) {
  const began = performance.now();
  const mcp = startMcp(cwd);
  try {
    await initialize(mcp);
    const { tools } = await mcp.request("tools/list");
    const ms = performance.now() - began;
    if (!tools.some((tool) => tool.name === "list_app_hosts")) {
      throw new Error("tools/list has no list_app_hosts");
    }
    return ms;
  } finally {
    await mcp.close();
  }
}

/** Spawn to exit of `node -e 0`, in ms. */
function nodeStart() {
  const began = performance.now();
  const child = spawn(process.execPath, ["-e", "0"], { env, stdio: "ignore" });
  return new Promise((resolve, reject) =>
    child.once("exit", (code) =>
      code === 0 ? resolve(performance.now() - began) : reject(new Error(`node -e 0: ${code}`)),
    ),
  );
}

async function startUp() {
  const cwd = join(root, "here");
  mkdirSync(cwd);
  const sides = { berth: () => firstToolsList(cwd), node: nodeStart };
  const samples = { berth: [], node: [] };
  await sides.berth(); // warm the file cache
  await sides.node();
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? ["berth", "node"] : ["node", "berth"];
    for (const side of order) samples[side].push(await sides[side]());
  }
  const berthMs = summarize(samples.berth).median;
  const nodeMs = summarize(samples.node).median;
  const ratio = berthMs / nodeMs;
  console.log(`berth mcp to first tools/list answer (median of ${RUNS}): ${berthMs.toFixed(1)} ms`);
  console.log(`node -e 0 (same run, median of ${RUNS}): ${nodeMs.toFixed(1)} ms`);
  console.log(
    `ratio berth mcp/node: ${ratio.toFixed(2)}x (target ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? "met" : "missed"})`,
  );
}

async function discovery() {
  const cwd = join(root, "projects");
  mkdirSync(cwd);
  // Each control server registers a process "exit" handler; real hosts run one each.
  process.setMaxListeners(HOSTS + 10);
  const mcp = startMcp(cwd);
  const hosts = [];
  const listed = [];
  const live = [];
  try {
    await initialize(mcp);
    for (let i = 0; i < HOSTS; i++) {
      const appHostPath = join(cwd, `p${i}`, "berth.config.ts");
      const host = await startFakeHost(appHostPath, env);
      hosts.push(host);
      const appeared = listenedAt.get(host.address.socketPath);
      let seen;
      for (;;) {
        const result = await mcp.request("tools/call", { name: "list_app_hosts", arguments: {} });
        const at = performance.now();
        const entry = result.structuredContent.hosts.find((h) => h.appHostPath === appHostPath);
        if (entry && seen === undefined) seen = at;
        if (entry?.status === "live" && entry.servicesTotal === 2) {
          listed.push(seen - appeared);
          live.push(at - appeared);
          break;
        }
        if (at - appeared > ANSWER_TIMEOUT_MS) {
          throw new Error(`host ${i} not listed as live within ${ANSWER_TIMEOUT_MS} ms`);
        }
      }
      // Let the loop settle, so each discovery is measured on its own.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await mcp.close();
    await Promise.all(hosts.map((host) => host.server.close()));
  }
  if (process.argv.includes("--samples")) {
    console.log(`listed: ${listed.map((ms) => ms.toFixed(1)).join(" ")}`);
    console.log(`live: ${live.map((ms) => ms.toFixed(1)).join(" ")}`);
  }
  const first = summarize(listed);
  const ready = summarize(live);
  console.log(`hosts: ${HOSTS}`);
  console.log(`listed by list_app_hosts, median: ${first.median.toFixed(1)} ms`);
  console.log(`listed by list_app_hosts, p99: ${first.p99.toFixed(1)} ms`);
  console.log(`listed as live, median: ${ready.median.toFixed(1)} ms`);
  console.log(`listed as live, p99: ${ready.p99.toFixed(1)} ms`);
  console.log(`listed as live, max: ${ready.max.toFixed(1)} ms`);
  console.log(
    `discovery p99 target: ${TARGET_P99_MS} ms (${ready.p99 < TARGET_P99_MS ? "met" : "missed"})`,
  );
}

try {
  await startUp();
  await discovery();
} finally {
  rmSync(root, { recursive: true, force: true });
}
