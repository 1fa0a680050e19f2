import { mkdtempSync } from "node:fs";
import { afterEach } from "vitest";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppModel, ReadyCheck, ServiceModel } from "../../src/model/app.js";
import type { SupervisorEvent } from "../../src/supervisor/events.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { track } from "./processes.js";
import { fixturesDir } from "./project.js";

export type ServiceInput = Partial<Omit<ServiceModel, "command" | "ready">> & {
  /** argv; the first element may name a fixture (`server.mjs`), run with node. */
  run: string[];
  ready?: ReadyCheck;
};

/** Builds an AppModel by hand, with test-friendly defaults (short grace, fast restarts). */
export function makeApp(services: Record<string, ServiceInput>): AppModel {
  const projectDir = mkdtempSync(join(tmpdir(), "berth-sup-"));
  const stateDir = join(projectDir, ".berth");
  return {
    appHostPath: join(projectDir, "berth.config.ts"),
    projectDir,
    stateDir,
    instance: { name: "test-instance", secret: "0".repeat(64) },
    leftOut: [],
    services: Object.entries(services).map(([name, input]) => {
      const [first, ...rest] = input.run;
      const argv = first!.endsWith(".mjs")
        ? [process.execPath, join(fixturesDir, first!), ...rest]
        : input.run;
      return {
        name,
        oneshot: false,
        cwd: projectDir,
        env: {},
        dataDir: join(stateDir, "data", name),
        logFile: join(stateDir, "logs", `${name}.log`),
        dependsOn: [],
        restart: {
          policy: "no",
          maxRestarts: 3,
          windowMs: 60_000,
          initialDelayMs: 20,
          maxDelayMs: 100,
        },
        stop: { signal: "SIGTERM", graceMs: 1000 },
        ...input,
        command: { file: argv[0]!, args: argv.slice(1), display: argv.join(" ") },
      } satisfies ServiceModel;
    }),
  };
}

/** A supervisor whose events are recorded, and whose processes the test helpers kill. */
export function supervise(app: AppModel): { supervisor: Supervisor; events: SupervisorEvent[] } {
  const events: SupervisorEvent[] = [];
  const supervisor = new Supervisor(app, { onProcess: (_s, pgid) => track(pgid) });
  supervisor.subscribe((event) => events.push(event));
  return { supervisor, events };
}

/**
 * For a test file whose tests start supervisors: returns `supervise`, and stops (kills)
 * every supervisor it started after each test. Call it at the file's top level.
 *
 * @example
 * const start = supervisorsPerTest();
 * const { supervisor, events } = start(makeApp({ api: { run: ["server.mjs"] } }));
 */
export function supervisorsPerTest(): typeof supervise {
  const running: Supervisor[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop({ force: true })));
  });
  return (app) => {
    const result = supervise(app);
    running.push(result.supervisor);
    return result;
  };
}

/** A free TCP port (the OS's choice). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function states(events: SupervisorEvent[], service: string): string[] {
  return events.flatMap((e) => (e.type === "state" && e.service === service ? [e.state] : []));
}

/** True when a TCP port can be bound on 127.0.0.1 right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
