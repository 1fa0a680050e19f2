// Discovery benchmark: how long after an app host's control socket appears does a running
// monitor hold a live connection to it?
//
// Starts a Monitor (from source, through bench/berth.mjs) on a temporary runtime dir,
// then starts real control servers (control/server.ts over a target without processes) one after
// another, leaving each running, and measures from the moment each socket appears (just
// after `listen`, which creates the socket file synchronously) to the monitor's `changed`
// event with status `live` for it: the file-system watch, the scan, connecting,
// `getCapabilities`, then `watchServices` (which answers with the host's info). Hosts and monitor share one
// process (and one event loop), which if anything slows the figures down.
//
// Usage: node bench/discovery.mjs [--hosts N] [--samples]
//   --hosts: how many hosts (default 50); --samples: print every measurement too.
// Target: p99 under 50 ms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { importSource } from "./berth.mjs";

import { listenedAt, startFakeHost } from "./fake-host.mjs";

const { Monitor } = await importSource("monitor/monitor.ts");

const TARGET_P99_MS = 50;
const HOST_TIMEOUT_MS = 5000;

/** Median and p99 (nearest rank) of a list of milliseconds. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { median: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] };
}

async function main() {
  const at = process.argv.indexOf("--hosts");
  const count = at === -1 ? 50 : Number(process.argv[at + 1]);
  // Short: socket paths must stay under 100 bytes.
  const dir = mkdtempSync(join(tmpdir(), "bd-"));
  // Each control server registers a process "exit" handler; real hosts run one each.
  process.setMaxListeners(count + 10);
  const monitor = new Monitor({ dirs: [dir] });
  const liveAt = new Map();
  const waiting = new Map();
  monitor.on("changed", (host) => {
    if (host.status !== "live" || liveAt.has(host.socketPath)) return;
    liveAt.set(host.socketPath, performance.now());
    waiting.get(host.socketPath)?.();
  });
  const hosts = [];
  const samples = [];
  try {
    await monitor.start();
    for (let i = 0; i < count; i++) {
      const host = await startFakeHost(join(dir, `project-${i}`, "berth.config.ts"), {
        BERTH_RUNTIME_DIR: dir,
      });
      hosts.push(host);
      const { socketPath } = host.address;
      if (!liveAt.has(socketPath)) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`host ${i} was not discovered within ${HOST_TIMEOUT_MS} ms`)),
            HOST_TIMEOUT_MS,
          );
          waiting.set(socketPath, () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      samples.push(liveAt.get(socketPath) - listenedAt.get(socketPath));
      // Let the loop settle, so each discovery is measured on its own.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await monitor.stop();
    await Promise.all(hosts.map((host) => host.server.close()));
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.argv.includes("--samples")) console.log(samples.map((s) => s.toFixed(1)).join(" "));
  const { median, p99, max } = summarize(samples);
  console.log(`hosts: ${count}`);
  console.log(`discovery median: ${median.toFixed(1)} ms`);
  console.log(`discovery p99: ${p99.toFixed(1)} ms`);
  console.log(`discovery max: ${max.toFixed(1)} ms`);
  console.log(
    `discovery p99 target: ${TARGET_P99_MS} ms (${p99 < TARGET_P99_MS ? "met" : "missed"})`,
  );
}

await main();
