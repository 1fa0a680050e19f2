import { execFileSync, type ChildProcess } from "node:child_process";
import { chownSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startBerth, type BerthProcess } from "./helpers/cli.js";
import { isAlive, spawnTracked, track, waitFor } from "./helpers/processes.js";
import {
  findPostgres,
  unprivilegedUser,
  userTempDir,
  type TestUser,
} from "./helpers/real-servers.js";

/**
 * PostgreSQL from the system's packages, run by berth as a user would: initdb in a oneshot
 * writing into `{{services.postgres.dataDir}}`, the server with a `pg_isready` check and
 * its fast-shutdown signal. PostgreSQL refuses to run as root, so when the tests run as
 * root berth itself runs as an unprivileged user (as on a developer's machine: the
 * project's `.berth/` is private to whoever runs berth, and the services run as them).
 */

const pg = findPostgres();
const user = unprivilegedUser();
const skipReason = !pg.found ? pg.reason : !user.found ? user.reason : undefined;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function config(bin: string): string {
  const data = "{{services.postgres.dataDir}}";
  return `export default {
  services: {
    "postgres-init": {
      command: "test -f ${data}/PG_VERSION || ${bin}/initdb -D ${data} -U postgres --auth=trust --no-sync --no-instructions -E UTF8 --locale=C",
      oneshot: true,
      port: false,
    },
    postgres: {
      command: "${bin}/postgres -D {{dataDir}} -p {{port}} -c listen_addresses=127.0.0.1 -c unix_socket_directories=",
      port: 5432,
      url: "postgres://postgres@localhost:{{port}}/postgres",
      dependsOn: { "postgres-init": "completed" },
      ready: { command: "${bin}/pg_isready -q -h 127.0.0.1 -p {{port}}" },
      stopSignal: "SIGINT",
      stopTimeout: "30s",
    },
  },
};
`;
}

/** A psql session kept open on stdin; `send` resolves once the output matches `until`. */
function psqlSession(bin: string, port: number) {
  const child = spawnTracked(
    join(bin, "psql"),
    ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-X", "-q"],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    async send(sql: string, until: RegExp) {
      child.stdin!.write(`${sql}\n`);
      await waitFor(() => until.test(output), `psql to answer ${sql}`, 20_000);
    },
  };
}

function clusterState(bin: string, dataDir: string, as: TestUser): string {
  const out = execFileSync(join(bin, "pg_controldata"), ["-D", dataDir], {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C" },
    ...(as.switched ? { uid: as.uid, gid: as.gid } : {}),
  });
  return out.match(/^Database cluster state:\s*(.+)$/m)?.[1] ?? out;
}

function query(bin: string, port: number, sql: string): string {
  return execFileSync(
    join(bin, "psql"),
    ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-X", "-tAc", sql],
    { encoding: "utf8" },
  ).trim();
}

async function servicePid(project: string, service: string): Promise<number> {
  let pid: number | undefined;
  await waitFor(() => {
    const record = JSON.parse(readFileSync(join(project, ".berth", "host.json"), "utf8"));
    pid = record.services?.[service]?.pid;
    return pid !== undefined;
  }, `host.json to record ${service}`);
  return pid!;
}

describe.skipIf(skipReason !== undefined)(
  skipReason ? `PostgreSQL (skipped: ${skipReason})` : "PostgreSQL under berth",
  () => {
    it("shuts the database down cleanly when berth is killed with SIGKILL while a client is connected", async () => {
      if (!pg.found || !user.found) throw new Error("unreachable");
      const { dir, env } = userTempDir(user);
      dirs.push(dir);
      const project = join(dir, "project");
      writeFileSync(join(project, "berth.config.mjs"), config(pg.bin));
      if (user.switched) chownSync(join(project, "berth.config.mjs"), user.uid, user.gid);
      const dataDir = join(project, ".berth", "data", "postgres");
      const run = (): BerthProcess =>
        startBerth(["run"], {
          cwd: project,
          env,
          ...(user.switched ? { user: { uid: user.uid, gid: user.gid } } : {}),
        });

      const first = run();
      await first.waitForOutput(
        /postgres is ready at postgres:\/\/postgres@localhost:\d+\/postgres/,
        60_000,
      );
      expect(first.output()).toMatch(/postgres-init completed/);
      const postmaster = await servicePid(project, "postgres");
      track(postmaster);
      const port = JSON.parse(readFileSync(join(project, ".berth", "state.json"), "utf8")).ports
        .postgres as number;

      // A client with committed data and a transaction still open when berth dies.
      const client = psqlSession(pg.bin, port);
      await client.send(
        "create table visits (n int); insert into visits values (42); select 'created';",
        /created/,
      );
      await client.send("begin; insert into visits values (7); select 'holding';", /holding/);

      first.child.kill("SIGKILL");
      await waitFor(() => !isAlive(postmaster), "the guardian to stop PostgreSQL", 40_000);
      expect(clusterState(pg.bin, dataDir, user)).toBe("shut down");
      client.child.stdin!.end();
      await waitFor(() => (client.child as ChildProcess).exitCode !== null, "psql to end");

      // The next start needs no recovery, has what was committed and not what was not.
      const second = run();
      await second.waitForOutput(/postgres is ready/, 60_000);
      expect(second.output()).not.toMatch(/postgres-init +\|/);
      expect(second.output()).toMatch(/database system was shut down at/);
      expect(second.output()).not.toMatch(/not properly shut down|automatic recovery/);
      expect(query(pg.bin, port, "select sum(n) from visits")).toBe("42");
      track(await servicePid(project, "postgres"));

      second.child.kill("SIGINT");
      expect(await second.exited).toBe(0);
      expect(clusterState(pg.bin, dataDir, user)).toBe("shut down");
    }, 180_000);
  },
);
