// The dashboard's cost: one service writes 100 MB of 100-byte lines under a detached
// `berth run`, once with a dashboard page (chromium) open following every service's logs and
// once with none, taking turns. Prints the service's own wall time for its writing both ways
// (target: the page costs under 10%), the app host's peak RSS (target: under 120 MB), and
// the page's time from navigation to its first log line on screen (median of 10 loads, with
// a near-empty log and again after the 100 MB).
//
//   npm run bench:dashboard            (builds first)
//   node bench/dashboard.mjs [--mb 100] [--runs 3] [--loads 10] [--detail] [--pin] [--warm]
//
// Each run also prints the CPU time used during the write by each process: the service,
// the host, chromium's browser, renderer, GPU and other processes, this bench, and the
// rest of the machine (from /proc/stat). `--detail` adds the host's event loop delay during
// the write (bench/loop-delay.mjs, loaded into the host) and a line per run. `--pin` is a
// diagnostic: chromium and this bench on CPU 1, the host and its service on CPU 0 (both
// ways), to tell sharing the CPUs apart from anything else; it is not the headline figure.
// `--warm`, another: the service writes its lines once untimed first (with the page
// following, when there is one), so the timed write meets a host past its start-up.
//
// Needs chromium at /usr/bin/chromium (`apt-get install chromium`).

import { execFile, execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { berthCli } from "./berth.mjs";

const CHROMIUM = "/usr/bin/chromium";
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? Number(args[at + 1]) : fallback;
};
const megabytes = Math.max(1, Math.round(option("mb", 100)));
const runs = Math.max(1, option("runs", 3));
const loads = Math.max(1, option("loads", 10));
const detail = args.includes("--detail");
const pin = args.includes("--pin");
const warm = args.includes("--warm");

const berthBin = berthCli();
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: install it (apt-get install chromium) and run again.`);
  process.exit(1);
}

// The service says it is waiting, then on the trigger file writes its lines in 1 MB writes
// (waiting on backpressure), and writes how long that took, in ms, to the result file; it
// does so again each time the trigger file is made again. It keeps running afterwards so
// the host stays up until the bench stops it.
const generator = `
const { existsSync, rmSync, writeFileSync } = require("node:fs");
const [trigger, result, count] = process.argv.slice(2);
console.log("gen waiting for " + trigger);
const lines = [];
for (let i = 0; i < 10_000; i++) lines.push(("line " + i + " ").padEnd(99, "x") + "\\n");
const block = Buffer.from(lines.join(""));
setInterval(() => {}, 60_000);
let writing = false;
setInterval(() => {
  if (writing || !existsSync(trigger)) return;
  writing = true;
  rmSync(trigger);
  const started = performance.now();
  let blocks = Number(count) / 10_000;
  const more = () => {
    while (blocks > 0) {
      blocks--;
      const last = blocks === 0;
      const ok = process.stdout.write(block, last ? () => {
        writeFileSync(result, String(performance.now() - started));
        writing = false;
      } : undefined);
      if (!ok) return void process.stdout.once("drain", more);
    }
  };
  more();
}, 5);
`;

const work = mkdtempSync(join(tmpdir(), "berth-bench-dashboard-"));
const loopDelayDir = join(work, "loop-delay");
mkdirSync(loopDelayDir);
const env = {
  ...process.env,
  BERTH_HOME: join(work, "home"),
  BERTH_RUNTIME_DIR: join(work, "run"),
  ...(detail && {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${new URL("loop-delay.mjs", import.meta.url).href}`,
    BERTH_BENCH_LOOP_DELAY: loopDelayDir,
  }),
};
const generatorPath = join(work, "generate.cjs");
writeFileSync(generatorPath, generator);

const run = promisify(execFile);
const berth = (argv, cwd) => run(process.execPath, [berthBin, ...argv], { cwd, env });
// With --pin, the host (and so its service) starts on CPU 0.
const berthPinned = (argv, cwd) =>
  pin
    ? run("taskset", ["-c", "0", process.execPath, berthBin, ...argv], { cwd, env })
    : berth(argv, cwd);

let browser;
const projects = [];
async function cleanUp() {
  await browser?.close().catch(() => {});
  for (const project of projects) await berth(["stop"], project).catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => void cleanUp().then(() => process.exit(130)));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(what, check, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The peak resident set of a process so far (VmHWM), in bytes. */
function peakRss(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The CPU time a process has used so far (user + system), in ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Every process's parent pid and chromium `--type` (or "browser"), from /proc. */
function processes() {
  const all = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      const type = /--type=([\w-]+)/.exec(cmdline)?.[1] ?? "browser";
      all.set(Number(name), { ppid, type, chromium: cmdline.includes("chromium") });
    } catch {
      // Gone meanwhile.
    }
  }
  return all;
}

/** Chromium's processes (the browser this bench started and its descendants), by pid: kind. */
function chromiumProcesses() {
  const found = new Map();
  const all = processes();
  for (const [pid, { ppid, chromium }] of all) {
    if (ppid === process.pid && chromium) found.set(pid, "browser");
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { ppid, type }] of all) {
      if (found.has(ppid) && !found.has(pid)) {
        // The zygotes fork the renderers; a zygote counts as "other".
        found.set(pid, type === "renderer" ? "renderer" : type === "gpu-process" ? "gpu" : "other");
        grew = true;
      }
    }
  }
  return found;
}

/** The busy CPU time of the whole machine so far, in ms (all CPUs, from /proc/stat). */
function machineBusyMs() {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100;
}

/** CPU time so far of each named process and of the machine, for a before/after difference. */
function cpuSnapshot(servicePid, hostPid) {
  const snapshot = { service: 0, host: 0, browser: 0, renderer: 0, gpu: 0, other: 0 };
  const safe = (pid) => {
    try {
      return cpuMs(pid);
    } catch {
      return 0;
    }
  };
  snapshot.service = safe(servicePid);
  snapshot.host = safe(hostPid);
  for (const [pid, kind] of chromiumProcesses()) snapshot[kind] += safe(pid);
  const own = process.cpuUsage();
  snapshot.bench = (own.user + own.system) / 1000;
  snapshot.machine = machineBusyMs();
  return snapshot;
}

function cpuBetween(before, after) {
  const spent = {};
  for (const key of Object.keys(after)) spent[key] = after[key] - (before[key] ?? 0);
  const ours = Object.entries(spent)
    .filter(([key]) => key !== "machine")
    .reduce((sum, [, value]) => sum + value, 0);
  spent.rest = spent.machine - ours;
  return spent;
}

/** With --pin: chromium's processes (every thread) on CPU 1; renderers forked later follow. */
function pinChromium() {
  if (!pin) return;
  for (const pid of chromiumProcesses().keys()) {
    execFileSync("taskset", ["-a", "-p", "-c", "1", String(pid)], { stdio: "ignore" });
  }
}

/** Opens the dashboard `loads` times; the ms from navigation to a log row on screen, each. */
async function firstLineTimes(context, origin) {
  const times = [];
  for (let i = 0; i < loads; i++) {
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`${origin}/`);
    await page.locator("#logs .row").first().waitFor({ state: "visible", timeout: 60_000 });
    times.push(performance.now() - started);
    await page.close();
  }
  return times;
}

/** One detached host, one 100 MB write; with a page following all logs when `withPage`. */
async function once(index, withPage) {
  const project = join(work, `project-${index}`);
  mkdirSync(project, { recursive: true });
  projects.push(project);
  const trigger = join(project, "go");
  const result = join(project, "result");
  const command = [process.execPath, generatorPath, trigger, result, String(megabytes * 10_000)];
  const config = { services: { gen: { command, port: false } } };
  writeFileSync(join(project, "berth.config.json"), JSON.stringify(config, null, 2));
  await berthPinned(["run", "--detach"], project);
  const status = JSON.parse((await berth(["status", "--json"], project).catch((e) => e)).stdout);
  if (status.status !== "running" || !status.dashboardUrl) {
    throw new Error(`the host is not running with a dashboard: ${JSON.stringify(status)}`);
  }
  const hostPid = status.pid;
  const servicePid = status.services?.find((s) => s.name === "gen")?.pid;
  const origin = new URL(status.dashboardUrl).origin;

  let context;
  let page;
  let before = [];
  if (withPage) {
    context = await browser.newContext();
    const login = await context.newPage();
    await login.goto(status.dashboardUrl);
    await login.close();
    before = await firstLineTimes(context, origin);
    page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.locator("#logs .row", { hasText: "gen waiting" }).waitFor({ timeout: 60_000 });
    const follow = page.locator("#follow");
    if ((await follow.count()) > 0 && !(await follow.isChecked())) await follow.check();
    pinChromium();
  }

  if (warm) {
    writeFileSync(trigger, "");
    await waitFor("the warm-up write", () =>
      existsSync(result) && readFileSync(result, "utf8") !== "" ? true : undefined,
    );
    rmSync(result);
  }
  // A second of quiet first: the pages just opened and closed are done with, both ways alike,
  // and nothing is left for the kernel to write back from the run before (its 100 MB of log
  // files): without the sync, whichever run came second was the slower, page or not.
  execFileSync("sync");
  await sleep(1000);
  const cpuBefore = cpuMs(hostPid);
  const snapshotBefore = cpuSnapshot(servicePid, hostPid);
  const triggeredAt = Date.now();
  writeFileSync(trigger, "");
  const wallMs = await waitFor("the service's result", () =>
    existsSync(result) && readFileSync(result, "utf8") !== ""
      ? Number(readFileSync(result, "utf8"))
      : undefined,
  );
  const spent = cpuBetween(snapshotBefore, cpuSnapshot(servicePid, hostPid));
  const writtenAt = Date.now();
  let shown;
  let after = [];
  if (withPage) {
    // The page has caught up once its line count holds still for a second.
    let previous;
    let still = 0;
    while (still < 10) {
      const now = await page.locator("#count").textContent();
      still = now === previous ? still + 1 : 0;
      previous = now;
      await sleep(100);
    }
    const dropped = await page.locator("#dropped").textContent();
    shown = `${previous}${dropped ? ` (${dropped})` : ""}`;
  }
  const peak = peakRss(hostPid);
  const cpu = cpuMs(hostPid) - cpuBefore;
  if (withPage) {
    after = await firstLineTimes(context, origin);
    await context.close();
  }
  let loopDelay;
  if (detail) {
    process.kill(hostPid, "SIGUSR2");
    const file = join(loopDelayDir, `${hostPid}.json`);
    const { samples, collections } = await waitFor("the host's loop delay", () =>
      existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined,
    );
    const during = samples
      .filter(([at]) => at >= triggeredAt && at <= writtenAt)
      .map(([, delay]) => delay);
    // Kinds as perf_hooks numbers them (constants.NODE_PERFORMANCE_GC_*): 1 a scavenge,
    // 4 a mark-compact, 8 incremental marking.
    const gcs = collections.filter(([at]) => at >= triggeredAt && at <= writtenAt);
    loopDelay = {
      max: Math.max(0, ...during),
      p50: during.length ? median(during) : 0,
      gcMs: gcs.reduce((sum, [, duration]) => sum + duration, 0),
      gcs: gcs.length,
      fullGcs: gcs.filter(([, , kind]) => kind === 4).length,
    };
  }
  await berth(["stop"], project);
  projects.splice(projects.indexOf(project), 1);
  rmSync(project, { recursive: true, force: true });
  const outcome = { wallMs, peak, cpu, before, after, shown, spent, loopDelay };
  if (detail) console.log(`${withPage ? "page   " : "no page"} ${describe(outcome)}`);
  return outcome;
}

const CPU_KEYS = ["service", "host", "browser", "renderer", "gpu", "other", "bench", "rest"];
function describe(r) {
  const cpu = CPU_KEYS.map((key) => `${key} ${r.spent[key].toFixed(0)}`).join(", ");
  const delay = r.loopDelay
    ? `; host loop delay p50 ${r.loopDelay.p50.toFixed(1)} ms, max ${r.loopDelay.max.toFixed(1)} ms` +
      `; host gc ${r.loopDelay.gcs} pauses (${r.loopDelay.fullGcs} full), ${r.loopDelay.gcMs.toFixed(0)} ms`
    : "";
  return `wall ${ms(r.wallMs)}; cpu ms: ${cpu}${delay}`;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (value) => `${value.toFixed(0)} ms`;

try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  if (pin) {
    execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
    pinChromium();
  }
  console.log(`# ${megabytes} MB of 100-byte lines, ${runs} run(s) each way, detached host`);
  const withPage = [];
  const without = [];
  // Taking turns, and each way first in every other pair.
  for (let i = 0; i < runs; i++) {
    for (const page of i % 2 === 0 ? [false, true] : [true, false]) {
      (page ? withPage : without).push(await once(2 * i + (page ? 1 : 0), page));
    }
  }
  const wallWith = median(withPage.map((r) => r.wallMs));
  const wallWithout = median(without.map((r) => r.wallMs));
  console.log(`service wall, no page:          ${ms(wallWithout)}`);
  console.log(`service wall, page following:   ${ms(wallWith)}`);
  console.log(
    `page's cost to the service:     ${((wallWith / wallWithout - 1) * 100).toFixed(1)}%`,
  );
  console.log(`host peak rss, no page:         ${mb(median(without.map((r) => r.peak)))}`);
  console.log(`host peak rss, page following:  ${mb(median(withPage.map((r) => r.peak)))}`);
  console.log(`host cpu for the write, no page: ${ms(median(without.map((r) => r.cpu)))}`);
  console.log(`host cpu for the write, page:    ${ms(median(withPage.map((r) => r.cpu)))}`);
  const before = withPage.flatMap((r) => r.before);
  const after = withPage.flatMap((r) => r.after);
  console.log(`first log line, few lines:      ${ms(median(before))} (median of ${before.length})`);
  console.log(`first log line, after the run:  ${ms(median(after))} (median of ${after.length})`);
  for (const [label, results] of [
    ["no page", without],
    ["page   ", withPage],
  ]) {
    const cpu = CPU_KEYS.map(
      (key) => `${key} ${median(results.map((r) => r.spent[key])).toFixed(0)}`,
    ).join(", ");
    console.log(`cpu ms during the write, ${label} (medians): ${cpu}`);
  }
  const shown = withPage.at(-1).shown;
  if (shown) console.log(`page's line count at the end:   ${shown}`);
} catch (error) {
  console.error(`bench failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
