import { execFileSync, spawnSync } from "node:child_process";
import { createServer as createHttpServer, type RequestListener } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer } from "node:net";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BerthError, isBerthError } from "../../errors.js";
import { isAlive, waitFor } from "../../../test/helpers/processes.js";
import { freeServerPort, listen } from "../../../test/helpers/servers.js";
import { probeCommand } from "./probes/command.js";
import { probeHttp } from "./probes/http.js";
import { onEitherLoopback } from "./probes/loopback.js";
import type { ProbeResult } from "./probes/probe.js";
import { probeTcp } from "./probes/tcp.js";

function http(handler: RequestListener, host = "127.0.0.1"): Promise<number> {
  return listen(createHttpServer(handler), host);
}

const freePort = () => freeServerPort();

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const server = createTcpServer();
  server.once("error", () => resolve(false));
  server.listen(0, "::1", () => server.close(() => resolve(true)));
});

describe("probeTcp", () => {
  it("says the connection is refused when nothing listens", async () => {
    expect(await probeTcp(await freePort())).toEqual({ ok: false, reason: "connection refused" });
  });

  it("is ready when a server listens on 127.0.0.1", async () => {
    const port = await listen(createTcpServer(), "127.0.0.1");
    expect(await probeTcp(port)).toEqual({ ok: true });
  });

  it.skipIf(!hasIpv6Loopback)("is ready when a server listens only on ::1", async () => {
    const port = await listen(createTcpServer(), "::1");
    expect(await probeTcp(port)).toEqual({ ok: true });
  });
});

describe("probeHttp", () => {
  const url = (port: number, path = "/health") => `http://127.0.0.1:${port}${path}`;

  it("reports the status when it is not the expected one", async () => {
    const port = await http((_, res) => res.writeHead(503).end());
    expect(await probeHttp({ url: url(port), status: 200 })).toEqual({
      ok: false,
      reason: "HTTP 503",
    });
  });

  it("takes any 2xx or 3xx when no status is expected", async () => {
    const port = await http((req, res) =>
      res.writeHead(req.url === "/moved" ? 302 : 404, { location: "/" }).end(),
    );
    expect(await probeHttp({ url: url(port, "/moved") })).toEqual({ ok: true });
    expect(await probeHttp({ url: url(port, "/missing") })).toEqual({
      ok: false,
      reason: "HTTP 404",
    });
  });

  it("is ready when the expected status answers", async () => {
    const port = await http((_, res) => res.end("ok"));
    expect(await probeHttp({ url: url(port), status: 200 })).toEqual({ ok: true });
  });

  it.skipIf(!hasIpv6Loopback)("is ready when the server listens only on ::1", async () => {
    const port = await http((_, res) => res.end("ok"), "::1");
    expect(await probeHttp({ url: url(port), status: 200 })).toEqual({ ok: true });
  });

  it("leaves no connection open on the service, whatever the answer", async () => {
    let status = 503;
    const server = createHttpServer((_, res) => res.writeHead(status).end("instance-a"));
    const port = await listen(server, "127.0.0.1");
    const openConnections = () =>
      new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)));
    for (const expected of [{ ok: false, reason: "HTTP 503" }, { ok: true }]) {
      expect(await probeHttp({ url: url(port), status: 200, body: "instance-a" })).toEqual(
        expected,
      );
      await waitFor(
        async () => (await openConnections()) === 0,
        "the probe's connections to close",
      );
      status = 200;
    }
  });

  it("accepts the expected identity, compared trimmed", async () => {
    const port = await http((_, res) => res.end("instance-a\n"));
    expect(await probeHttp({ url: url(port), body: " instance-a" })).toEqual({ ok: true });
  });

  it("makes another identity on the port fatal, naming both and what to do", async () => {
    const port = await http((_, res) => res.end("instance-b\n"));
    const result = await probeHttp({ url: url(port), status: 200, body: "instance-a" });
    expect(result.ok).toBe(false);
    const fatal = !result.ok ? result.fatal : undefined;
    expect(isBerthError(fatal, "IDENTITY_MISMATCH")).toBe(true);
    expect(fatal?.message).toBe(
      `Port ${port} answers as a different instance: http://127.0.0.1:${port}/health returned ` +
        `"instance-b", expected "instance-a". Another copy of this service (from another ` +
        `berth instance or checkout) is probably still running there. Stop that instance, ` +
        `or free port ${port}, then start again.`,
    );
  });

  it("does not read a wrong status as another identity", async () => {
    const port = await http((_, res) => res.writeHead(503).end("starting"));
    expect(await probeHttp({ url: url(port), status: 200, body: "instance-a" })).toEqual({
      ok: false,
      reason: "HTTP 503",
    });
  });

  it("gives up on a server that never answers after its own timeout", async () => {
    const port = await http(() => {
      // never answers
    });
    expect(await probeHttp({ url: url(port) }, { timeoutMs: 100 })).toEqual({
      ok: false,
      reason: "no answer within 100 ms",
    });
  });

  it.skipIf(!hasOpenssl)("speaks HTTPS to a self-signed local service", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-tls-"));
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    execFileSync("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
      ...["-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
    ]);
    const server = createHttpsServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_, res) => res.end("instance-a"),
    );
    const port = await listen(server, "127.0.0.1");
    const target = { url: `https://127.0.0.1:${port}/id`, status: 200, body: "instance-a" };
    expect(await probeHttp(target)).toEqual({ ok: true });
  });

  it("says when what answers is not HTTP", async () => {
    const port = await listen(
      createTcpServer((socket) => socket.end("SSH-2.0-hello\r\n")),
      "127.0.0.1",
    );
    expect(await probeHttp({ url: url(port) })).toEqual({
      ok: false,
      reason: "not an HTTP answer",
    });
  });
});

describe("probeCommand", () => {
  const sh = (script: string) => ({ file: "/bin/sh", args: ["-c", script], display: script });

  it("is ready when the command exits 0", async () => {
    expect(await probeCommand(sh("true"))).toEqual({ ok: true });
  });

  it("reports the exit code and the last line of output", async () => {
    expect(await probeCommand(sh("exit 3"))).toEqual({ ok: false, reason: "exit code 3" });
    expect(await probeCommand(sh("echo one; echo not yet >&2; exit 1"))).toEqual({
      ok: false,
      reason: "exit code 1: not yet",
    });
  });

  it("runs in the given folder with the given environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-probe-"));
    const result = await probeCommand(sh('test "$PWD" = "$WANT"'), {
      cwd: dir,
      env: { ...process.env, WANT: dir },
    });
    expect(result).toEqual({ ok: true });
  });

  it("kills the whole process group when the attempt times out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-probe-"));
    const pidFile = join(dir, "pid");
    const result = await probeCommand(sh(`sleep 30 & echo $! > ${pidFile}; wait`), {
      timeoutMs: 300,
    });
    expect(result).toEqual({ ok: false, reason: "no answer within 300 ms" });
    expect(existsSync(pidFile)).toBe(true);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !isAlive(grandchild), "the probe's grandchild to be killed", 2000);
  });

  it("makes a command that cannot start fatal", async () => {
    const missing = { file: "/nonexistent/pg_isready", args: [], display: "pg_isready" };
    const result = await probeCommand(missing);
    expect(result.ok).toBe(false);
    const fatal = !result.ok ? result.fatal : undefined;
    expect(isBerthError(fatal, "SPAWN_FAILED")).toBe(true);
    expect(fatal?.message).toMatch(/^The readiness command `pg_isready` could not be started/);
  });
});

describe("onEitherLoopback", () => {
  const answers =
    (byHost: Record<string, ProbeResult | Error>) =>
    (host: string): Promise<ProbeResult> => {
      const answer = byHost[host]!;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    };
  const refused: ProbeResult = { ok: false, reason: "connection refused" };

  it("is ready when either address is", async () => {
    expect(await onEitherLoopback(answers({ "127.0.0.1": refused, "::1": { ok: true } }))).toEqual({
      ok: true,
    });
  });

  it("reports what answered over where nobody listens", async () => {
    const busy: ProbeResult = { ok: false, reason: "HTTP 503" };
    expect(await onEitherLoopback(answers({ "127.0.0.1": refused, "::1": busy }))).toEqual(busy);
    expect(await onEitherLoopback(answers({ "127.0.0.1": refused, "::1": refused }))).toEqual(
      refused,
    );
  });

  it("names both addresses when they say different things", async () => {
    const result = await onEitherLoopback(
      answers({
        "127.0.0.1": { ok: false, reason: "HTTP 503" },
        "::1": { ok: false, reason: "HTTP 404" },
      }),
    );
    expect(result).toEqual({ ok: false, reason: "127.0.0.1: HTTP 503; ::1: HTTP 404" });
  });

  it("lets a fatal answer win, and turns a throwing probe into a failure", async () => {
    const fatal = new BerthError("IDENTITY_MISMATCH", "another instance");
    const mismatch: ProbeResult = { ok: false, reason: "HTTP 200, another instance", fatal };
    expect(await onEitherLoopback(answers({ "127.0.0.1": mismatch, "::1": refused }))).toBe(
      mismatch,
    );
    expect(
      await onEitherLoopback(answers({ "127.0.0.1": new Error("Invalid URL"), "::1": refused })),
    ).toEqual({ ok: false, reason: "Invalid URL" });
  });
});
