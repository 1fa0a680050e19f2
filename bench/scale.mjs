// A project of N trivial services (`sleep`, no port): time until every one is up
// (`berth run --detach` returns), the host's RSS and open descriptors then, and the time
// `berth stop` takes to stop them all. Not a comparison: berth against itself at scale.
//
// Usage: npm run build && node bench/scale.mjs [--services 1000] [--services 10000 ...]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const berth = fileURLToPath(new URL("../bin/berth.cjs", import.meta.url));
const counts = process.argv
  .flatMap((arg, i, all) => (arg === "--services" ? [Number(all[i + 1])] : []))
  .filter((n) => n > 0);
if (counts.length === 0) counts.push(1000);

const root = mkdtempSync(join(tmpdir(), "berth-bench-scale-"));
const env = {
  ...process.env,
  BERTH_HOME: join(root, "home"),
  BERTH_RUNTIME_DIR: join(root, "run"),
};

function berthCommand(args, cwd) {
  const began = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [berth, ...args], {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - began) / 1e6;
  return { ...result, ms };
}

function rssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : NaN;
}

try {
  for (const n of counts) {
    const dir = mkdtempSync(join(root, `p${n}-`));
    const services = {};
    for (let i = 0; i < n; i++) services[`s${i}`] = { command: ["sleep", "100000"], port: false };
    writeFileSync(join(dir, "berth.config.json"), JSON.stringify({ services }));

    const up = berthCommand(["run", "--detach"], dir);
    if (up.status !== 0) {
      console.log(`services ${n}: run --detach exited ${up.status}`);
      console.log((up.stderr || up.stdout).split("\n").slice(-15).join("\n"));
    }
    const host = JSON.parse(readFileSync(join(dir, ".berth", "host.json"), "utf8")).pid;
    const ready = (up.stdout.match(/\bready\b/g) ?? []).length;
    const failed = (up.stdout.match(/\bfailed\b/g) ?? []).length;
    console.log(`services ${n}: all up: ${(up.ms / 1000).toFixed(1)} s`);
    console.log(`services ${n}: ready: ${ready} services; failed: ${failed}`);
    console.log(`services ${n}: host RSS: ${rssMiB(host).toFixed(0)} MiB`);
    console.log(`services ${n}: host open fds: ${readdirSync(`/proc/${host}/fd`).length}`);
    const stop = berthCommand(["stop"], dir);
    console.log(`services ${n}: stop: ${(stop.ms / 1000).toFixed(1)} s (exit ${stop.status})`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
