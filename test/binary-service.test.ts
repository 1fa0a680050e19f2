import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import * as tar from "tar";
import { afterEach, describe, expect, it } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { track } from "./helpers/processes.js";
import { tempProject } from "./helpers/project.js";

const platform = `${process.platform}-${process.arch}`;

/** A tar.gz holding `minidb/bin/minidb`: a tiny "database" that answers its instance name. */
async function buildArchive(dir: string): Promise<Buffer> {
  const root = join(dir, "pkg");
  mkdirSync(join(root, "minidb", "bin"), { recursive: true });
  const server = `require("http").createServer((q, s) => s.end(process.argv[2])).listen(Number(process.argv[1]))`;
  writeFileSync(
    join(root, "minidb", "bin", "minidb"),
    `#!/bin/sh
if [ "$1" = "--version" ]; then echo "minidb 1.2.3"; exit 0; fi
# minidb --port <port> --name <name>
exec ${JSON.stringify(process.execPath)} -e '${server}' "$2" "$4"
`,
    { mode: 0o755 },
  );
  const file = join(dir, "minidb.tar.gz");
  await tar.create({ gzip: true, file, cwd: root, portable: true }, ["minidb"]);
  return readFileSync(file);
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(
  files: Record<string, Buffer | string>,
): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const body = files[req.url ?? ""];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-length": Buffer.byteLength(body) }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, hits };
}

describe("a binary service", () => {
  it("is downloaded once, checked, started with its port and identity, and listed", async () => {
    const dir = tempProject();
    const archive = await buildArchive(dir);
    const digest = createHash("sha256").update(archive).digest("hex");
    const { url, hits } = await serve({
      "/latest": "v1.2.3\n",
      [`/minidb-1.2.3-${platform}.tar.gz`]: archive,
    });
    writeFileSync(
      join(dir, "berth.config.json"),
      JSON.stringify({
        services: {
          db: {
            binary: {
              name: "minidb",
              version: "latest",
              latest: `${url}/latest`,
              url: `${url}/minidb-{version}-{platform}.tar.gz`,
              path: "minidb/bin/minidb",
              sha256: { [platform]: digest },
            },
            args: ["--port", "{{port}}", "--name", "{{instance.name}}"],
            ready: { http: { path: "/", body: "{{instance.name}}" } },
          },
        },
      }),
    );

    const first = await runBerth(["exec", "--", "sh", "-c", "curl -s $BERTH_DB_URL || true"], {
      cwd: dir,
    });
    expect(first.code).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, ".berth", "state.json"), "utf8"));
    expect(state.binaries).toEqual({ minidb: "1.2.3" });
    expect(hits.filter((h) => h.endsWith(".tar.gz"))).toHaveLength(1);

    // A second run uses the cache; with the server gone, the installed version is used.
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const up = await runBerth(["run", "--detach"], { cwd: dir });
    expect(up.code).toBe(0);
    expect(up.output).toMatch(/db +ready/);
    const ps = JSON.parse((await runBerth(["ps", "--json"], { cwd: dir })).output);
    track(ps[0].pid);
    const log = readFileSync(join(dir, ".berth", "host.log"), "utf8");
    expect(log).toMatch(/latest.*1\.2\.3|1\.2\.3.*installed/i);

    const listed = await runBerth(["binaries", "--json"], { cwd: dir });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.output)).toEqual([
      expect.objectContaining({ name: "minidb", version: "1.2.3", usedBy: [dir] }),
    ]);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });

  it("refuses a download whose checksum does not match, leaving nothing cached", async () => {
    const dir = tempProject();
    const archive = await buildArchive(dir);
    const { url } = await serve({ "/minidb.tar.gz": archive });
    writeFileSync(
      join(dir, "berth.config.json"),
      JSON.stringify({
        services: {
          db: {
            binary: {
              name: "otherdb",
              version: "1.2.3",
              url: `${url}/minidb.tar.gz`,
              path: "minidb/bin/minidb",
              sha256: { [platform]: "0".repeat(64) },
            },
            args: ["--port", "{{port}}", "--name", "x"],
          },
        },
      }),
    );
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(9);
    expect(result.output).toMatch(/sha-?256/i);
    const listed = JSON.parse((await runBerth(["binaries", "--json"], { cwd: dir })).output);
    expect(listed.filter((b: { name: string }) => b.name === "otherdb")).toEqual([]);
  });
});
