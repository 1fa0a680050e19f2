// A soak of one real detached app host (`berth run --detach`), not part of CI:
//   1. restarts: 1,000 restarts of a service that exits 1 at once (its restart policy has
//      no delay and gives up after 1,000; the host's own count is read back);
//   2. ps: 200 `berth ps --json` at once, counting those that call the healthy host
//      anything but live ("misreported hosts");
//   3. connections: 5,000 raw connections to the host's control socket, opened and closed:
//      a third ask getCapabilities, a third send nothing, a third send half a message;
//   then phases 1 and 3 once more on the same host, as a leak check (a heap that grew to
//   what a burst needed stays there; a leak grows again);
//   4. cycles: 100 `berth run --detach` / `berth stop` of a small project, each stop checked
//      (no host process, no service process, no socket file, no port held).
// It prints the host's RSS and open descriptors at the start and the end of each phase
// (target: back within 10% of the start), and at the end anything the soak left behind:
// processes started under its marker, socket files, *.tmp files under .berth, ports held
// (target: nothing). The last lines are PASS/FAIL, one per target; the exit code is 1 when
// one failed (the temporary folder is then kept, and named, to look into). Everything runs
// in a temporary folder with a private HOME, XDG_RUNTIME_DIR and BERTH_HOME, so it never
// sees (or stops) another host on the machine. About 5 minutes on 2 cores.
//
// Usage: npm run bench:soak   (npm run build && node bench/soak.mjs [--settle 10] [--ps 200])
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { berthCli } from "./berth.mjs";

const berth = berthCli();
const settleFlag = process.argv.indexOf("--settle");
// A Node process runs a full garbage collection some 8 s after its allocations stop (V8's
// memory reducer): RSS is read after that, so a figure is what the host keeps, not what
// it has yet to collect.
const SETTLE_MS = (settleFlag === -1 ? 10 : Number(process.argv[settleFlag + 1])) * 1000;
const RESTARTS = 1000;
const psFlag = process.argv.indexOf("--ps");
const CONCURRENT_PS = psFlag === -1 ? 200 : Number(process.argv[psFlag + 1]);
const CONNECTIONS = 5000;
const CONNECTIONS_AT_ONCE = 100;
const CYCLES = 100;

const root = mkdtempSync(join(tmpdir(), "berth-soak-"));
const runtimeDir = join(root, "xdg", "berth");
const fallbackDir = join(root, "fallback");
// Every process the soak starts, and all they start, carry this variable: how leftovers
// are found among the machine's other processes.
const MARK = `BERTH_SOAK_RUN=${root}`;
const env = {
  ...process.env,
  HOME: join(root, "home"),
  XDG_RUNTIME_DIR: join(root, "xdg"),
  BERTH_HOME: join(root, "berth-home"),
  BERTH_SOCKET_FALLBACK_DIR: fallbackDir,
  BERTH_SOAK_RUN: root,
};
delete env.BERTH_RUNTIME_DIR;
for (const dir of [env.HOME, env.XDG_RUNTIME_DIR]) mkdirSync(dir, { recursive: true, mode: 0o700 });

const results = [];
function target(name, passed, detail) {
  results.push({ name, passed, detail });
}

function say(name, value, unit = "") {
  console.log(`${name}: ${value}${unit ? ` ${unit}` : ""}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function cli(args, cwd, extraEnv = {}) {
  return spawnSync(process.execPath, [berth, ...args], {
    cwd,
    env: { ...env, ...extraEnv },
    encoding: "utf8",
  });
}

function cliOrThrow(args, cwd, extraEnv) {
  const result = cli(args, cwd, extraEnv);
  if (result.status !== 0) {
    throw new Error(`berth ${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
  }
  return result;
}

function cliAsync(args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [berth, ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

// --- the host's figures and the machine's state -------------------------------------

/**
 * VmRSS (KiB), its anonymous and file-backed parts, and open descriptors of a process. The
 * parts tell the heap's growth (anonymous) from pages of the node binary read in (file).
 */
function figuresOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return {
    rssKiB: kib("VmRSS"),
    anonKiB: kib("RssAnon"),
    fileKiB: kib("RssFile"),
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

function mib(kib) {
  return (kib / 1024).toFixed(1);
}

function change(from, to) {
  return `${to >= from ? "+" : ""}${(((to - from) / from) * 100).toFixed(1)}%`;
}

function printFigures(phase, when, figures) {
  const parts = `(anonymous ${mib(figures.anonKiB)}, file ${mib(figures.fileKiB)})`;
  say(`${phase}: host RSS at ${when}`, mib(figures.rssKiB), `MiB ${parts}`);
  say(`${phase}: host open fds at ${when}`, figures.fds);
}

/**
 * Prints the end figures beside the start's and records the targets: back within 10% of
 * the start (`what` says which start, when not the phase's own).
 */
function compareFigures(phase, start, end, what = "the start") {
  say(`${phase}: host RSS change`, change(start.rssKiB, end.rssKiB));
  say(`${phase}: host open fds change`, change(start.fds, end.fds));
  target(
    `${phase}: host RSS back within 10% of ${what}`,
    end.rssKiB <= start.rssKiB * 1.1,
    `${mib(start.rssKiB)} -> ${mib(end.rssKiB)} MiB`,
  );
  target(
    `${phase}: host open fds back within 10% of ${what}`,
    end.fds <= start.fds * 1.1,
    `${start.fds} -> ${end.fds}`,
  );
}

/** Whether a process is gone; a zombie counts as gone (PID 1 here reaps nobody). */
function gone(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
  } catch {
    return true;
  }
}

/** Live (not zombie) processes whose environment carries the soak's mark, and `also`. */
function markedProcesses(also = "") {
  const found = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ;
    let cmdline;
    try {
      environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ");
      cmdline = cmdline.replace(/\s+/g, " ").trim();
    } catch {
      continue; // ended meanwhile
    }
    const marked = environ.includes(MARK) || cmdline.includes(root);
    if (marked && (also === "" || environ.includes(also)) && !gone(Number(name))) {
      const short =
        cmdline.length > 120 ? `${cmdline.slice(0, 50)} … ${cmdline.slice(-60)}` : cmdline;
      found.push(`${name} ${short}`);
    }
  }
  return found;
}

/** Ports in the LISTEN state on this machine, from the kernel's tables. */
function listeningPorts() {
  const ports = new Set();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === "0A") ports.add(parseInt(fields[1].split(":")[1], 16));
    }
  }
  return ports;
}

/** Files in the soak's runtime folders (sockets and their sidecars). */
function runtimeFiles() {
  return [runtimeDir, fallbackDir].flatMap((dir) =>
    existsSync(dir) ? readdirSync(dir).map((file) => join(dir, file)) : [],
  );
}

function tmpFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith(".tmp"))
    .map((file) => join(dir, file));
}

function hostPidOf(project) {
  return JSON.parse(readFileSync(join(project, ".berth", "host.json"), "utf8")).pid;
}

function socketOf(pid) {
  const socket = runtimeFiles().find((file) => file.endsWith(`.${pid}.sock`));
  if (!socket) throw new Error(`no control socket for host ${pid} in ${runtimeDir}`);
  return socket;
}

// --- the control protocol, as docs/protocol.md frames it ----------------------------

function frame(message) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
}

/** Calls getCapabilities, then each of `calls` in turn, on one connection; their results. */
function rpc(socketPath, calls, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const answers = [];
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    const all = [["getCapabilities", { client: "berth-soak", capabilities: ["berth.v1"] }]];
    all.push(...calls);
    socket.on("connect", () => {
      socket.write(Buffer.concat(all.map(([method, params], id) => frame({ id, method, params }))));
    });
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end === -1) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffered.subarray(0, end))[1]);
        if (buffered.length < end + 4 + length) return;
        const message = JSON.parse(buffered.subarray(end + 4, end + 4 + length).toString());
        buffered = buffered.subarray(end + 4 + length);
        if (message.error) {
          clearTimeout(timer);
          socket.destroy();
          return reject(new Error(`${all[message.id]?.[0]}: ${message.error.message}`));
        }
        answers[message.id] = message.result;
        if (answers.filter(Boolean).length === all.length) {
          clearTimeout(timer);
          socket.end();
          return resolve(answers.slice(1));
        }
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function service(socketPath, name) {
  const [{ services }] = await rpc(socketPath, [["describeHost", {}]]);
  return services.find((s) => s.name === name);
}

// --- the projects -----------------------------------------------------------------

const server = `import { createServer } from "node:http";
createServer((_req, res) => res.end("ok\\n")).listen(Number(process.env.PORT));
`;

function project(name, services) {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "server.mjs"), server);
  writeFileSync(join(dir, "berth.config.json"), JSON.stringify({ services }, null, 2));
  return dir;
}

// The crasher sleeps until the soak creates `go`, so the host's figures at the start are
// taken before any restart; from then on every start exits 1 at once. The restart policy
// gives up after exactly RESTARTS restarts within its hour: the host itself counts them.
const soakProject = project("soak", {
  crasher: {
    command: ["sh", "-c", "test -e go || exec sleep 100000; exit 1"],
    port: false,
    restart: { policy: "on-failure", maxRestarts: RESTARTS, window: "1h", delay: 0, maxDelay: 0 },
  },
  web: { command: ["node", "server.mjs"], port: "auto" },
});
const cycleProject = project("cycle", {
  web: { command: ["node", "server.mjs"], port: "auto" },
  // A grandchild too: the shell's background sleep is in the service's group, not listed.
  worker: { command: ["sh", "-c", "sleep 100000 & exec sleep 100000"], port: false },
});
const portsSeen = new Set();

/**
 * Figures of the host before `work`, and after it once the host has settled; the targets
 * compare the two. Returns both.
 */
async function measured(phase, hostPid, work) {
  const start = figuresOf(hostPid);
  printFigures(phase, "start", start);
  await work();
  await sleep(SETTLE_MS);
  const end = figuresOf(hostPid);
  printFigures(phase, "end", end);
  compareFigures(phase, start, end);
  return { start, end };
}

/** Sets the crasher crashing and waits until its restart policy gives up. */
async function crashRound(phase, socketPath) {
  const before = await service(socketPath, "crasher");
  const began = Date.now();
  writeFileSync(join(soakProject, "go"), "");
  // Stops the crasher (sleeping, or failed after an earlier round) and starts it again,
  // which also starts its restart count afresh; from then on it exits 1 at once.
  const restart = cli(["restart", "crasher"], soakProject);
  say(`${phase}: berth restart crasher (sets it crashing)`, `exit ${restart.status}`);
  let crasher = before;
  do {
    await sleep(250);
    crasher = await service(socketPath, "crasher");
  } while (crasher.state !== "failed" && Date.now() - began < 300_000);
  const seconds = (Date.now() - began) / 1000;
  const restarts = crasher.restarts - before.restarts;
  say(`${phase}: driven by`, "the restart policy (delay 0, gives up after 1,000)");
  say(`${phase}: done (the host's count)`, restarts);
  say(`${phase}: time`, seconds.toFixed(1), "s");
  say(`${phase}: rate`, (restarts / seconds).toFixed(0), "restarts/s");
  say(`${phase}: crasher's last state`, `${crasher.state} (${crasher.reason})`);
  target(`${phase}: ${RESTARTS} restarts of a crashing service`, restarts >= RESTARTS, restarts);
}

async function psRound(phase, hostPid) {
  const began = Date.now();
  const runs = await Promise.all(
    Array.from({ length: CONCURRENT_PS }, () => cliAsync(["ps", "--json"], root)),
  );
  const seconds = (Date.now() - began) / 1000;
  let misreported = 0;
  let failed = 0;
  const seen = {};
  for (const run of runs) {
    if (run.status !== 0) {
      failed++;
      misreported++;
      continue;
    }
    const entry = JSON.parse(run.stdout).find((host) => host.pid === hostPid);
    const status = entry?.status ?? "missing";
    seen[status] = (seen[status] ?? 0) + 1;
    if (status !== "live") misreported++;
  }
  say(`${phase}: concurrent berth ps --json`, CONCURRENT_PS);
  say(`${phase}: wall time for all`, seconds.toFixed(1), "s");
  say(`${phase}: exited non-zero`, failed);
  say(`${phase}: host reported as`, JSON.stringify(seen));
  say(`${phase}: misreported hosts`, misreported);
  target(`${phase}: misreported hosts 0`, misreported === 0, `${misreported} of ${CONCURRENT_PS}`);
}

/** One raw connection of one kind; what happened to it. */
function oneConnection(socketPath, kind) {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let outcome = "closed";
    let answered = false;
    const timer = setTimeout(() => {
      outcome = "no answer in 10 s";
      socket.destroy();
    }, 10_000);
    socket.on("connect", () => {
      if (kind === "nothing") return socket.end();
      if (kind === "partial") {
        const whole = frame({ id: 1, method: "describeHost", params: {} });
        socket.write(whole.subarray(0, Math.floor(whole.length / 2)));
        return socket.destroy();
      }
      socket.write(frame({ id: 0, method: "getCapabilities", params: { client: "berth-soak" } }));
    });
    socket.on("data", (chunk) => {
      if (kind === "capabilities" && !answered && chunk.includes('"capabilities"')) {
        answered = true;
        outcome = "answered";
        socket.end();
      }
    });
    socket.on("error", (error) => (outcome = error.code ?? error.message));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(kind === "capabilities" && outcome === "closed" ? "closed unanswered" : outcome);
    });
  });
}

async function connectionsRound(phase, socketPath) {
  const kinds = ["capabilities", "nothing", "partial"];
  const outcomes = {};
  const began = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < CONNECTIONS) {
      const kind = kinds[next++ % kinds.length];
      const outcome = await oneConnection(socketPath, kind);
      const key = `${kind} ${outcome}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS_AT_ONCE }, worker));
  const seconds = (Date.now() - began) / 1000;
  say(`${phase}: opened and closed`, CONNECTIONS, `(${CONNECTIONS_AT_ONCE} at a time)`);
  say(`${phase}: wall time`, seconds.toFixed(1), "s");
  for (const [key, count] of Object.entries(outcomes).sort()) say(`${phase}: ${key}`, count);
  const answered = outcomes["capabilities answered"] ?? 0;
  const asked = Math.ceil(CONNECTIONS / kinds.length);
  target(`${phase}: every getCapabilities answered`, answered === asked, `${answered} of ${asked}`);
  const after = await rpc(socketPath, [["describeHost", {}]]).then(
    () => "yes",
    (error) => `no (${error.message})`,
  );
  say(`${phase}: host answers afterwards`, after);
  target(`${phase}: host answers afterwards`, after === "yes", after);
}

async function cyclesPhase() {
  const marker = "BERTH_SOAK_PHASE=cycles";
  const problems = { host: 0, service: 0, socket: 0, port: 0, run: 0, stop: 0 };
  const lingered = [];
  const examples = [];
  let first;
  let last;
  const began = Date.now();
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const up = cli(["run", "--detach"], cycleProject, { BERTH_SOAK_PHASE: "cycles" });
    if (up.status !== 0) {
      problems.run++;
      examples.push(`cycle ${cycle}: run --detach exited ${up.status}: ${up.stderr.trim()}`);
    }
    const hostPid = hostPidOf(cycleProject);
    if (cycle === 1) first = figuresOf(hostPid);
    if (cycle === CYCLES) last = figuresOf(hostPid);
    const status = JSON.parse(cli(["status", "--json"], cycleProject).stdout);
    const services = status.services ?? [];
    const pids = services.map((s) => s.pid).filter((pid) => pid !== null);
    const ports = services.map((s) => s.port).filter((port) => port !== null);
    for (const port of ports) portsSeen.add(port);
    const down = cli(["stop"], cycleProject);
    if (down.status !== 0) {
      problems.stop++;
      examples.push(`cycle ${cycle}: stop exited ${down.status}: ${down.stderr.trim()}`);
    }
    const note = (kind, what) => {
      problems[kind]++;
      if (examples.length < 10) examples.push(`cycle ${cycle}: ${what}`);
    };
    if (!gone(hostPid)) note("host", `host ${hostPid} still running`);
    let left = markedProcesses(marker);
    if (left.length > 0) {
      // Still there at once: gone two seconds later is a process finishing (counted apart),
      // still there then is a leftover.
      await sleep(2000);
      const still = markedProcesses(marker);
      lingered.push(
        ...left.filter((line) => !still.includes(line)).map((p) => `cycle ${cycle}: ${p}`),
      );
      left = still;
    }
    if (left.length > 0) note("service", `processes left: ${left.join("; ")}`);
    for (const pid of pids) if (!gone(pid)) note("service", `service pid ${pid} still running`);
    const files = runtimeFiles();
    if (files.length > 0) note("socket", `runtime files left: ${files.join(", ")}`);
    const listening = listeningPorts();
    for (const port of ports) if (listening.has(port)) note("port", `port ${port} still held`);
  }
  const seconds = (Date.now() - began) / 1000;
  say("cycles: run --detach / stop cycles", CYCLES);
  say("cycles: wall time", seconds.toFixed(1), "s");
  say("cycles: ports used", [...portsSeen].join(", "));
  for (const [kind, count] of Object.entries(problems)) say(`cycles: ${kind} problems`, count);
  for (const example of examples) console.log(`  ${example}`);
  say("cycles: processes still there just after stop, gone 2 s later", lingered.length);
  for (const line of lingered) console.log(`  ${line}`);
  const total = Object.values(problems).reduce((a, b) => a + b, 0);
  target("cycles: every stop left nothing", total === 0, `${total} problems`);
  // Each cycle's host is a new process: the first and the last, each just after start.
  printFigures("cycles", "start (cycle 1's host)", first);
  printFigures("cycles", `end (cycle ${CYCLES}'s host)`, last);
  compareFigures("cycles", first, last);
}

function leftovers() {
  const processes = markedProcesses();
  const files = runtimeFiles();
  const tmp = [soakProject, cycleProject].flatMap((dir) => tmpFilesUnder(join(dir, ".berth")));
  const listening = listeningPorts();
  const ports = [...portsSeen].filter((port) => listening.has(port));
  say("left behind: processes", processes.length);
  for (const line of processes) console.log(`  ${line}`);
  say("left behind: socket and sidecar files", files.length);
  for (const file of files) console.log(`  ${file}`);
  say("left behind: .tmp files under .berth", tmp.length);
  for (const file of tmp) console.log(`  ${file}`);
  say("left behind: ports held", ports.length);
  if (ports.length > 0) console.log(`  ${ports.join(", ")}`);
  const total = processes.length + files.length + tmp.length + ports.length;
  target("nothing left behind", total === 0, `${total} things`);
}

const began = Date.now();
try {
  cliOrThrow(["run", "--detach"], soakProject);
  const hostPid = hostPidOf(soakProject);
  const socketPath = socketOf(hostPid);
  for (const s of (await rpc(socketPath, [["describeHost", {}]]))[0].services) {
    if (s.port !== null) portsSeen.add(s.port);
  }
  say("host pid", hostPid);
  await sleep(SETTLE_MS);
  const restarts = await measured("restarts", hostPid, () => crashRound("restarts", socketPath));
  await measured("ps", hostPid, () => psRound("ps", hostPid));
  await measured("connections", hostPid, () => connectionsRound("connections", socketPath));
  compareFigures("all three phases on one host", restarts.start, figuresOf(hostPid));
  // A heap grows to what a burst needed and may keep it: the same burst again tells that
  // high-water mark from a leak, which grows with every round.
  const again = "second round (leak check)";
  await measured(`restarts, ${again}`, hostPid, () => crashRound(`restarts, ${again}`, socketPath));
  await measured(`connections, ${again}`, hostPid, () =>
    connectionsRound(`connections, ${again}`, socketPath),
  );
  const stopped = cli(["stop"], soakProject);
  say("soak host stop", `exit ${stopped.status}`);
  await cyclesPhase();
} finally {
  // Whatever failed above, nothing of the soak stays running.
  cli(["stop", "--all"], root);
}
leftovers();
say("soak wall time", ((Date.now() - began) / 1000).toFixed(0), "s");
console.log("");
for (const { name, passed, detail } of results) {
  console.log(`${passed ? "PASS" : "FAIL"} ${name} (${detail})`);
}
const passed = results.every((r) => r.passed);
// A failed soak keeps its folder (logs, host.log, configs) to look into.
if (passed) rmSync(root, { recursive: true, force: true });
else console.log(`\nkept for a look: ${root}`);
process.exitCode = passed ? 0 : 1;
