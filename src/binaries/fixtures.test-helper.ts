/**
 * Test fixtures for binaries/: a tiny real executable, real archives holding it (tar.gz
 * made by node-tar, zip by fflate, hostile ones by hand), and an HTTP server on 127.0.0.1
 * that serves them and can misbehave on purpose.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { zipSync, type Zippable } from "fflate";
import { create, Header } from "tar";
import type { NormalizedBinary } from "../config/normalized.js";
import { currentPlatform, platformKey } from "./platform.js";

/** A POSIX shell script: `--version` prints `tool <version>`; anything else just exits. */
export function toolScript(version: string): string {
  return `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "tool ${version}"; fi\nexit 0\n`;
}

export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** This machine's `sha256` key, e.g. `linux-x64`. */
export const here = platformKey(currentPlatform());

export interface FileSpec {
  content: string | Buffer;
  mode?: number;
}

/** A real .tar.gz made by node-tar from files written to a temporary folder. */
export async function tarGz(files: Record<string, FileSpec>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "berth-tar-"));
  try {
    const root = join(dir, "root");
    for (const [path, spec] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), spec.content, { mode: spec.mode ?? 0o644 });
    }
    const out = join(dir, "out.tar.gz");
    await create({ gzip: true, cwd: root, file: out, portable: true }, Object.keys(files));
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type RawEntry =
  | { path: string; content: string; mode?: number }
  | { path: string; symlink: string }
  | { path: string; hardlink: string };

/** A .tar.gz written header by header, so it can hold what node-tar would never create. */
export function rawTarGz(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from("content" in entry ? entry.content : "");
    const header = new Header({
      path: entry.path,
      type: "symlink" in entry ? "SymbolicLink" : "hardlink" in entry ? "Link" : "File",
      linkpath: "symlink" in entry ? entry.symlink : "hardlink" in entry ? entry.hardlink : "",
      size: data.length,
      mode: "mode" in entry && entry.mode !== undefined ? entry.mode : 0o644,
      mtime: new Date(),
      uid: 0,
      gid: 0,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block, Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A real zip made by fflate, with unix modes (a symlink's content is its target). */
export function zip(files: Record<string, FileSpec & { symlink?: boolean }>): Buffer {
  const input: Zippable = {};
  for (const [path, spec] of Object.entries(files)) {
    const type = spec.symlink ? 0o120000 : 0o100000;
    const attrs = ((type | (spec.mode ?? 0o644)) << 16) >>> 0;
    input[path] = [Buffer.from(spec.content), { os: 3, attrs }];
  }
  return Buffer.from(zipSync(input));
}

/** How the server answers one path. */
export type Route =
  | Buffer
  | string
  | { status: number; body?: string }
  | ((req: IncomingMessage, res: ServerResponse) => void);

export interface TestServer {
  url(path: string): string;
  /** Requests per path. */
  hits: Map<string, number>;
  routes: Map<string, Route>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (an OS-chosen port) serving `routes`; 404 for anything else. */
export async function serve(routes: Record<string, Route> = {}): Promise<TestServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = table.get(path);
    if (route === undefined) return void res.writeHead(404).end("no such file");
    if (typeof route === "function") return route(req, res);
    if (Buffer.isBuffer(route) || typeof route === "string") {
      return void res.writeHead(200, { "content-length": Buffer.byteLength(route) }).end(route);
    }
    res.writeHead(route.status).end(route.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    routes: table,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `body` in `parts` pieces `delayMs` apart: a download slow enough to overlap. */
export function slowly(body: Buffer, parts: number, delayMs: number): Route {
  return (_req, res) => {
    res.writeHead(200, { "content-length": body.length });
    const size = Math.ceil(body.length / parts);
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(body.subarray(at, at + size));
      at += size;
      if (at >= body.length) res.end();
      else setTimeout(next, delayMs);
    };
    next();
  };
}

/** A binary spec for this machine with the given overrides (digest included when a body is given). */
export function binary(overrides: Partial<NormalizedBinary> & { url: string }): NormalizedBinary {
  return {
    name: "tool",
    version: "1.0.0",
    archive: "none",
    path: overrides.name ?? "tool",
    os: {},
    arch: {},
    sha256: {},
    insecure: false,
    check: ["--version"],
    ...overrides,
  };
}

/** A fresh `$BERTH_HOME` for one test. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "berth-binaries-home-"));
}
