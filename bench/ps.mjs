// `berth ps --json` wall time with 1, 10 and 50 running app hosts, beside `node -e 0` and
// `pm2 jlist` (one process under a private pm2 daemon), all in this one run.
//
// Every host is a real `berth run --detach` of a one-service project (the service is
// `sleep`, so the machine's load stays low) in a private runtime dir. Each command is timed
// over several runs, alternating, and the median is printed. NODE_EXTRA_CA_CERTS slows
// every Node start alike, so it is left as the machine has it for every side.
//
// Usage: npm run build && node bench/ps.mjs [--runs N]   (default 15 runs per command)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { berthCli } from "./berth.mjs";

const berth = berthCli();
const pm2 = join(createRequire(import.meta.url).resolve("pm2/package.json"), "..", "bin", "pm2");
const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag === -1 ? 15 : Number(process.argv[runsFlag + 1]);
const SETTLE_MS = 10_000;

const root = mkdtempSync(join(tmpdir(), "berth-bench-ps-"));
const env = {
  ...process.env,
  BERTH_HOME: join(root, "home"),
  BERTH_RUNTIME_DIR: join(root, "run"),
  PM2_HOME: join(root, "pm2"),
};
const projects = [];

function startHost(i) {
  const dir = join(root, `p${i}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "berth.config.json"),
    JSON.stringify({ services: { idle: { command: ["sleep", "100000"], port: false } } }),
  );
  const result = spawnSync(process.execPath, [berth, "run", "--detach"], {
    cwd: dir,
    env,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`berth run --detach failed:\n${result.stderr}`);
  projects.push(dir);
}

function timeOnce(file, args) {
  const began = process.hrtime.bigint();
  const result = spawnSync(file, args, { cwd: root, env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - began) / 1e6;
  if (result.status !== 0) throw new Error(`${file} ${args.join(" ")} failed:\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Medians of each command over RUNS runs, taking turns so none always runs first. */
function measure(commands) {
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  const names = Object.keys(commands);
  for (const name of names) timeOnce(...commands[name]); // warm the file cache
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + run) % names.length];
      samples[name].push(timeOnce(...commands[name]).ms);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples[name])]));
}

function cleanUp() {
  spawnSync(process.execPath, [berth, "stop", "--all"], { cwd: root, env, stdio: "ignore" });
  spawnSync(process.execPath, [pm2, "kill"], { env, stdio: "ignore" });
  rmSync(root, { recursive: true, force: true });
}

try {
  execFileSync(process.execPath, [pm2, "start", "sleep", "--name", "idle", "--", "100000"], {
    env,
    stdio: "ignore",
  });
  const figures = {};
  for (const hosts of [1, 10, 50]) {
    while (projects.length < hosts) startHost(projects.length);
    // Every new Node process runs a full garbage collection about 8 s after it starts (V8's
    // memory reducer, some 25 ms of CPU each here): measured at once, the last hosts'
    // collections would land on every side's timings. Let the machine settle first.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const listed = JSON.parse(timeOnce(process.execPath, [berth, "ps", "--json"]).stdout);
    if (listed.length !== hosts) throw new Error(`berth ps listed ${listed.length} of ${hosts}`);
    const result = measure({
      berth: [process.execPath, [berth, "ps", "--json"]],
      node: [process.execPath, ["-e", "0"]],
      pm2: [process.execPath, [pm2, "jlist"]],
    });
    figures[hosts] = result;
    console.log(`berth ps --json, ${hosts} hosts: ${result.berth.toFixed(1)} ms`);
    console.log(`node -e 0 (same run): ${result.node.toFixed(1)} ms`);
    console.log(`pm2 jlist, 1 process (same run): ${result.pm2.toFixed(1)} ms`);
    console.log(`ratio berth/node, ${hosts} hosts: ${(result.berth / result.node).toFixed(2)}x`);
    console.log(`ratio berth/pm2, ${hosts} hosts: ${(result.berth / result.pm2).toFixed(2)}x`);
  }
} finally {
  cleanUp();
}
