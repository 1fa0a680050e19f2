// `berth exec -- node -e 0` against a one-service app (an HTTP server on a fixed port),
// beside start-server-and-test doing the same job (start the server, wait until it answers,
// run `node -e 0`, stop the server): with its defaults, and tuned with WAIT_ON_INTERVAL=100;
// and beside a bare script doing only that (fixtures/exec-floor.mjs), the floor.
// No berth host runs beforehand, so berth starts an ephemeral one each time, as a CI script
// would. Each side runs RUNS times, taking turns; medians are printed.
//
// Usage: npm run build && node bench/exec.mjs [--runs N] [--delay MS]   (defaults 10, 150)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { berthCli } from "./berth.mjs";

const berth = berthCli();
const server = fileURLToPath(new URL("./fixtures/late-server.mjs", import.meta.url));
const floor = fileURLToPath(new URL("./fixtures/exec-floor.mjs", import.meta.url));
const sst = join(
  createRequire(import.meta.url).resolve("start-server-and-test/package.json"),
  "..",
  "src",
  "bin",
  "start.js",
);
const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const RUNS = flag("--runs", 10);
// How long the service takes to listen (after loading its code); 0 measures the tools alone.
const DELAY_MS = flag("--delay", 150);

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), "berth-bench-exec-"));
const env = {
  ...process.env,
  BERTH_HOME: join(dir, "home"),
  BERTH_RUNTIME_DIR: join(dir, "run"),
  // The fixture waits a random 50–400 ms before listening; fixed here so every side waits
  // for the same server.
  LATE_SERVER_DELAY_MS: String(DELAY_MS),
};
writeFileSync(
  join(dir, "berth.config.ts"),
  `export default {
  services: {
    api: {
      command: ["node", ${JSON.stringify(server)}],
      port: ${port},
      strictPort: true,
      ready: { http: "/" },
    },
  },
};
`,
);

const sides = {
  berth: [process.execPath, [berth, "exec", "--", "node", "-e", "0"], {}],
  "start-server-and-test": [
    process.execPath,
    [sst, `node ${server}`, `http://127.0.0.1:${port}`, "node -e 0"],
    {},
  ],
  "start-server-and-test WAIT_ON_INTERVAL=100": [
    process.execPath,
    [sst, `node ${server}`, `http://127.0.0.1:${port}`, "node -e 0"],
    { WAIT_ON_INTERVAL: "100" },
  ],
  // Not a tool: what the job costs on this machine before any tool adds to it.
  "floor (a bare script)": [process.execPath, [floor, server], {}],
};

function timeOnce([file, args, extraEnv]) {
  const began = process.hrtime.bigint();
  const result = spawnSync(file, args, {
    cwd: dir,
    env: { ...env, PORT: String(port), ...extraEnv },
    encoding: "utf8",
  });
  const ms = Number(process.hrtime.bigint() - began) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${args.join(" ")} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port: chosen } = probe.address();
      probe.close(() => resolve(chosen));
    });
  });
}

try {
  const names = Object.keys(sides);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) timeOnce(sides[name]); // warm caches (jiti's, the file cache)
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + run) % names.length];
      samples[name].push(timeOnce(sides[name]));
    }
  }
  const medians = Object.fromEntries(names.map((name) => [name, median(samples[name])]));
  for (const name of names) console.log(`${name}: ${medians[name].toFixed(0)} ms`);
  const tuned = medians["start-server-and-test WAIT_ON_INTERVAL=100"];
  console.log(
    `ratio berth/start-server-and-test: ${(medians.berth / medians["start-server-and-test"]).toFixed(2)}x`,
  );
  console.log(`ratio berth/start-server-and-test tuned: ${(medians.berth / tuned).toFixed(2)}x`);
  const bare = medians["floor (a bare script)"];
  console.log(`ratio floor/start-server-and-test tuned: ${(bare / tuned).toFixed(2)}x`);
  console.log(`berth over the floor: ${(medians.berth - bare).toFixed(0)} ms`);

  // Not the same job, so apart from the comparison: during development the project is
  // usually up already (`berth run` in a terminal), and exec only finds it and runs.
  const detach = spawnSync(process.execPath, [berth, "run", "--detach"], {
    cwd: dir,
    env: { ...env, PORT: String(port) },
    encoding: "utf8",
  });
  if (detach.status !== 0) throw new Error(`berth run --detach failed:\n${detach.stderr}`);
  // A new Node process runs a full garbage collection about 8 s after it starts (V8's
  // memory reducer); let the host's pass before timing against it.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  timeOnce(sides.berth);
  const running = median(Array.from({ length: RUNS }, () => timeOnce(sides.berth)));
  console.log(`berth exec against a running host (for reference): ${running.toFixed(0)} ms`);
} finally {
  spawnSync(process.execPath, [berth, "stop", "--all"], { cwd: dir, env, stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
}
