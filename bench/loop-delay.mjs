// Loaded into the app host by `bench/dashboard.mjs --detail` (NODE_OPTIONS=--import): samples
// the host's event loop delay every 5 ms and notes its garbage collections and, on SIGUSR2,
// writes both (wall times, delays and pauses in ms) to $BERTH_BENCH_LOOP_DELAY/<pid>.json.
// Any other process started with it (the CLI, the service) does nothing.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance, PerformanceObserver } from "node:perf_hooks";

if (process.argv.includes("--host-detached") && process.env.BERTH_BENCH_LOOP_DELAY) {
  const samples = [];
  const collections = [];
  const every = 5;
  let due = performance.now() + every;
  setInterval(() => {
    const now = performance.now();
    samples.push([Date.now(), now - due]);
    due = now + every;
  }, every).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const at = performance.timeOrigin + entry.startTime;
      collections.push([at, entry.duration, entry.detail?.kind ?? entry.kind]);
    }
  }).observe({ entryTypes: ["gc"] });
  process.on("SIGUSR2", () => {
    const file = join(process.env.BERTH_BENCH_LOOP_DELAY, `${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ samples, collections }));
  });
}
