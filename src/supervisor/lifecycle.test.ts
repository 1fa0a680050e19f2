import { existsSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { freePort, makeApp, states, supervisorsPerTest } from "../../test/helpers/app.js";
import { isAlive, waitFor } from "../../test/helpers/processes.js";
import type { MessageEvent } from "./events.js";

const start = supervisorsPerTest();

const restartOften = {
  policy: "on-failure",
  maxRestarts: 5,
  windowMs: 60_000,
  initialDelayMs: 10,
  maxDelayMs: 20,
} as const;

/** An app of one service running `text` through the shell, as a string command does. */
function shellApp(text: string, extra: Omit<Parameters<typeof makeApp>[0][string], "run"> = {}) {
  const app = makeApp({ web: { run: ["/bin/sh"], ...extra } });
  app.services[0]!.command = { file: "/bin/sh", args: ["-c", text], display: text };
  return app;
}

const messages = (events: { type: string }[]) =>
  events.filter((e): e is MessageEvent => e.type === "message");

describe("a shell command that is not found (exit 127)", () => {
  it("fails at once, naming the command, with the shell's own line, and is not restarted", async () => {
    const app = shellApp("berth-no-such-program-xyz --port 4000", { restart: restartOften });
    const { supervisor, events } = start(app);
    await supervisor.start();
    // Without a check it is ready once started; the exit follows.
    await waitFor(() => supervisor.finished, "the service to end");

    const snapshot = supervisor.services()[0]!;
    expect(snapshot.state).toBe("failed");
    expect(snapshot.restarts).toBe(0);
    expect(states(events, "web")).not.toContain("restarting");
    expect(snapshot.reason).toBe(
      "command not found: `berth-no-such-program-xyz --port 4000` exited with code 127, " +
        'the shell\'s "command not found": it, or a program it runs, is missing (its last ' +
        "lines name which); check that the program is installed and on PATH. Not restarted",
    );
    const lastLines = messages(events).find((m) => m.text === "last lines of web:");
    expect(lastLines?.details?.join("\n")).toMatch(
      /berth-no-such-program-xyz: (command )?not found/,
    );
  });

  it("fails at once when it had a readiness check to pass", async () => {
    const port = await freePort();
    const app = shellApp("berth-no-such-program-xyz", {
      restart: restartOften,
      ready: { kind: "tcp", port, timeoutMs: 10_000 },
    });
    const { supervisor } = start(app);
    await supervisor.start();
    expect(supervisor.services()[0]).toMatchObject({ state: "failed", restarts: 0 });
    expect(supervisor.services()[0]!.reason).toMatch(/^command not found: `berth-no-such/);
  });

  it("treats 127 from a program run directly as that program's own exit code", async () => {
    const app = makeApp({
      task: { run: ["exit.mjs"], oneshot: true, env: { EXIT_CODE: "127" } },
    });
    const { supervisor } = start(app);
    await supervisor.start();
    expect(supervisor.services()[0]).toMatchObject({
      state: "failed",
      reason: "exited with code 127",
    });
  });
});

describe("a service that outlives its grace period", () => {
  it("is killed, and the terminal's stream and the service's log say so", async () => {
    const port = await freePort();
    const app = makeApp({
      postgres: {
        run: ["server.mjs"],
        env: { PORT: String(port), IGNORE_TERM: "1" },
        ready: { kind: "http", url: `http://127.0.0.1:${port}/`, timeoutMs: 10_000 },
        stop: { signal: "SIGTERM", graceMs: 300 },
      },
    });
    const { supervisor, events } = start(app);
    await supervisor.start();
    const pid = supervisor.services()[0]!.pid!;
    await supervisor.stop();

    expect(isAlive(pid)).toBe(false);
    const text = "postgres did not stop within 300 ms of SIGTERM; killed";
    expect(messages(events)).toContainEqual(
      expect.objectContaining({ level: "warn", service: "postgres", text }),
    );
    const log = readFileSync(app.services[0]!.logFile, "utf8");
    expect(log).toContain(text);
  });

  it("is not reported when it stops within its grace period", async () => {
    const app = makeApp({ worker: { run: ["forever.mjs"] } });
    const { supervisor, events } = start(app);
    await supervisor.start();
    await supervisor.stop();
    expect(messages(events).map((m) => m.text)).not.toContainEqual(
      expect.stringContaining("did not stop"),
    );
  });
});

describe("data folders", () => {
  it("exist, private, before any service starts, so a first task can use another's", async () => {
    // The task runs first and checks that the server's folder (started after it) is there.
    const app = makeApp({
      init: {
        run: ["/bin/sh", "-c", 'test -d "$DB_DATA" && touch "$DB_DATA/initialized"'],
        oneshot: true,
      },
      db: {
        run: ["forever.mjs"],
        dependsOn: [{ name: "init", condition: "completed" }],
      },
    });
    const db = app.services.find((s) => s.name === "db")!;
    app.services.find((s) => s.name === "init")!.env = { DB_DATA: db.dataDir };
    const { supervisor } = start(app);
    await supervisor.start();

    expect(supervisor.services().map((s) => s.state)).toEqual(["completed", "ready"]);
    expect(existsSync(`${db.dataDir}/initialized`)).toBe(true);
    for (const service of app.services) {
      expect(statSync(service.dataDir).mode & 0o777).toBe(0o700);
    }
  });
});
