// Log throughput: one service writing 200 MB of 100-byte lines, run three ways in one go —
// straight to a file (the floor), through `concurrently`, and through `berth run` (which also
// writes every line to its rotated log file) — each with its terminal output going to
// /dev/null. Prints wall time, throughput and the peak RSS of the concurrently/berth process,
// then the ratios.
//
//   npm run bench:logs            (builds first)
//   node bench/logs.mjs [--mb 200] [--runs 3]
//
// The contenders take turns, run after run, so a busy machine slows them alike; each figure
// is the median over the runs (peak RSS moves with the garbage collector's timing).

import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { berthCli } from "./berth.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? Number(args[at + 1]) : fallback;
};
const megabytes = Math.max(1, Math.round(option("mb", 200)));
const runs = Math.max(1, option("runs", 3));
const lineCount = megabytes * 10_000;

// The generator writes numbered 100-byte lines in 1 MB writes, waiting on backpressure.
const generator = `
const count = Number(process.argv[2]);
const lines = [];
for (let i = 0; i < 10_000; i++) lines.push(("line " + i + " ").padEnd(99, "x") + "\\n");
const block = Buffer.from(lines.join(""));
let blocks = count / 10_000;
function more() {
  while (blocks > 0) {
    blocks--;
    if (!process.stdout.write(block)) return void process.stdout.once("drain", more);
  }
}
more();
`;
const lastLine = `line 9999 `.padEnd(99, "x");

const work = mkdtempSync(join(tmpdir(), "berth-bench-logs-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

const generatorPath = join(work, "generate.cjs");
writeFileSync(generatorPath, generator);
const generatorCommand = (lines) => [process.execPath, generatorPath, String(lines)];
// Unquoted: concurrently strips quotes itself, and these paths hold no spaces.
const shellCommand = (lines) => generatorCommand(lines).join(" ");

/** Runs a command with stdout to `stdoutPath`; resolves with wall ms and peak RSS (bytes). */
function measure(file, argv, stdoutPath, options = {}) {
  return new Promise((resolve, reject) => {
    const out = openSync(stdoutPath, "w");
    const started = performance.now();
    const child = spawn(file, argv, { stdio: ["ignore", out, "pipe"], ...options });
    closeSync(out);
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-5000);
    });
    let peak = 0;
    // VmHWM only grows, so the last sample before exit is the peak (to within 20 ms).
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        const match = /VmHWM:\s+(\d+) kB/.exec(status);
        if (match) peak = Math.max(peak, Number(match[1]) * 1024);
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 20);
    sample();
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(timer);
      if (code === 0) return resolve({ wallMs, peak });
      const how = signal ?? `code ${code}`;
      reject(new Error(`${[file, ...argv].join(" ")} ended with ${how}\n${stderr.trim()}`));
    });
  });
}

const concurrentlyBin = join(
  createRequire(join(repo, "package.json")).resolve("concurrently/package.json"),
  "..",
  "dist",
  "bin",
  "concurrently.js",
);
const berthBin = berthCli();

const berthEnv = {
  ...process.env,
  BERTH_HOME: join(work, "home"),
  BERTH_RUNTIME_DIR: join(work, "run"),
};

/** `berth run` of a project whose one oneshot service writes `lines` lines. */
async function runBerth(lines) {
  const project = join(work, `project-${lines}`);
  const config = join(project, "berth.config.json");
  const service = { command: generatorCommand(lines), oneshot: true };
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(config, JSON.stringify({ services: { gen: service } }, null, 2));
  const argv = [berthBin, "run", "--config", config];
  const result = await measure(process.execPath, argv, "/dev/null", {
    cwd: project,
    env: berthEnv,
  });
  // A fast run that lost lines would be no result: the log must end with the last line.
  const logFile = join(project, ".berth", "logs", "gen.log");
  const log = existsSync(logFile) ? readFileSync(logFile, "latin1") : "";
  if (!log.endsWith(`${lastLine}\n`)) {
    throw new Error(`berth's log file ${logFile} does not end with the generator's last line`);
  }
  return result;
}

const runConcurrently = (lines) =>
  measure(process.execPath, [concurrentlyBin, "--names", "gen", shellCommand(lines)], "/dev/null");

// The 1 MB runs show the fixed cost (start-up, shut-down), so what remains is the streaming.
const contenders = [
  {
    name: "direct-to-file",
    rss: false,
    run: async () => {
      const target = join(work, "direct.out");
      const command = `${shellCommand(lineCount)} > ${target}`;
      const result = await measure("/bin/sh", ["-c", command], "/dev/null");
      rmSync(target, { force: true });
      return result;
    },
  },
  { name: "concurrently", rss: true, run: () => runConcurrently(lineCount) },
  { name: "berth", rss: true, run: () => runBerth(lineCount) },
  { name: "concurrently 1 MB", short: true, run: () => runConcurrently(10_000) },
  { name: "berth 1 MB", short: true, run: () => runBerth(10_000) },
];

console.log(`# ${megabytes} MB of 100-byte lines, ${runs} run(s) each, output to /dev/null`);
const results = new Map(contenders.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  for (const contender of contenders) {
    try {
      results.get(contender.name).push(await contender.run());
    } catch (error) {
      console.error(`${contender.name} failed: ${error.message}`);
      process.exit(1);
    }
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const figures = new Map();
for (const { name, rss, short } of contenders) {
  const wallMs = median(results.get(name).map((r) => r.wallMs));
  const peak = median(results.get(name).map((r) => r.peak));
  figures.set(name, { wallMs, peak });
  console.log(`${name} wall: ${(wallMs / 1000).toFixed(2)} s`);
  if (!short) console.log(`${name} throughput: ${(megabytes / (wallMs / 1000)).toFixed(0)} MB/s`);
  if (rss) console.log(`${name} peak rss: ${(peak / 1024 / 1024).toFixed(1)} MB`);
}

const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const berth = figures.get("berth");
if (berth) {
  const { wallMs, peak } = figures.get("concurrently");
  console.log(`berth/concurrently wall: ${ratio(berth.wallMs, wallMs)}`);
  console.log(`berth/concurrently peak rss: ${ratio(berth.peak, peak)}`);
  console.log(
    `berth/direct-to-file wall: ${ratio(berth.wallMs, figures.get("direct-to-file").wallMs)}`,
  );
  const streaming = (name) => figures.get(name).wallMs - figures.get(`${name} 1 MB`).wallMs;
  const beyond = ratio(streaming("berth"), streaming("concurrently"));
  console.log(`berth/concurrently wall beyond the 1 MB run: ${beyond}`);
} else {
  process.exitCode = 1;
}
