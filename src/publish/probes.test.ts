import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import type { ContainerReady } from "./app.js";
import { healthScript } from "./probes.js";

/** Runs a health script as a container's `node -e` would; resolves with its exit code. */
function runScript(script: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["-e", script], (error) =>
      resolve(error ? (typeof error.code === "number" ? error.code : -1) : 0),
    );
  });
}

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A server on 127.0.0.1 that answers every request with `body`; resolves with its port. */
function serve(body: string): Promise<number> {
  server = createServer((_, res) => res.end(body));
  return new Promise((resolve) =>
    server!.listen(0, "127.0.0.1", () => resolve((server!.address() as AddressInfo).port)),
  );
}

describe("healthScript", () => {
  test("is one word, so an engine that splits a CMD test on whitespace keeps it whole", () => {
    const checks: ContainerReady[] = [
      { kind: "http", port: 80, path: "/a b", body: "my app\u00a0x\t", timeoutMs: 1000 },
      { kind: "tcp", port: 80, timeoutMs: 1000 },
    ];
    for (const check of checks) expect(healthScript(check)).not.toMatch(/\s/);
  });

  test("http: exits 0 on the expected body with spaces, 1 on another body or none", async () => {
    const port = await serve("my app");
    const check = (body: string): ContainerReady => ({
      kind: "http",
      port,
      path: "/whoami",
      body,
      timeoutMs: 1000,
    });
    expect(await runScript(healthScript(check("my app")))).toBe(0);
    expect(await runScript(healthScript(check("my-app")))).toBe(1);
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    expect(await runScript(healthScript(check("my app")))).toBe(1);
  });

  test("tcp: exits 0 when the port accepts a connection, 1 when refused", async () => {
    const port = await serve("");
    expect(await runScript(healthScript({ kind: "tcp", port, timeoutMs: 1000 }))).toBe(0);
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    expect(await runScript(healthScript({ kind: "tcp", port, timeoutMs: 1000 }))).toBe(1);
  });
});
