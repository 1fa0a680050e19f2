import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { freePort } from "../../test/helpers/app.js";
import { download } from "./download.js";
import { serve, sha256, type TestServer } from "./fixtures.test-helper.js";
import { berthFailure } from "../../test/helpers/errors.js";

const body = Buffer.from("x".repeat(100_000));
let dir: string;
let server: TestServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "berth-download-"));
  server = await serve({ "/tool": body });
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("download", () => {
  test("streams to the file and returns its SHA-256; a matching digest passes", async () => {
    const file = join(dir, "download");
    const got = await download({
      url: server.url("/tool"),
      file,
      label: "tool 1.0.0",
      expectedSha256: sha256(body),
    });
    expect(got).toEqual({ sha256: sha256(body), bytes: body.length });
    expect(readFileSync(file).equals(body)).toBe(true);
  });

  test("a checksum mismatch is an error naming both digests and the URL, and leaves no file", async () => {
    const file = join(dir, "download");
    const error = await berthFailure(
      download({
        url: server.url("/tool"),
        file,
        label: "tool 1.0.0",
        expectedSha256: "0".repeat(64),
      }),
    );
    expect(error.code).toBe("BINARY_CHECKSUM_MISMATCH");
    expect(error.message).toBe(
      `The download of tool 1.0.0 from ${server.url("/tool")} does not match its SHA-256: expected ${"0".repeat(64)}, got ${sha256(body)}. ` +
        "Nothing was installed. If the release was rebuilt on purpose, update the binary's `sha256` in the config; otherwise the download may have been tampered with.",
    );
    expect(existsSync(file)).toBe(false);
  });

  test("a transfer cut off halfway is an error, and leaves no file", async () => {
    server.routes.set("/tool", (_req, res) => {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, body.length / 2), () => res.socket?.destroy());
    });
    const file = join(dir, "download");
    const error = await berthFailure(
      download({ url: server.url("/tool"), file, label: "tool 1.0.0" }),
    );
    expect(error.code).toBe("BINARY_DOWNLOAD_FAILED");
    expect(error.message).toMatch(
      new RegExp(
        `^Could not download tool 1\\.0\\.0 from ${server.url("/tool")}: the transfer was cut off after [\\d.]+ kB of 100 kB`,
      ),
    );
    expect(error.message).toContain("check your connection and the binary's `url`");
    expect(existsSync(file)).toBe(false);
  });

  test("a server that is down is an error naming the URL", async () => {
    const url = `http://127.0.0.1:${await freePort()}/tool`;
    const error = await berthFailure(
      download({ url, file: join(dir, "download"), label: "tool 1.0.0" }),
    );
    expect(error.code).toBe("BINARY_DOWNLOAD_FAILED");
    expect(error.message).toBe(
      `Could not download tool 1.0.0 from ${url}: connection refused: nothing answers there (is the server down?); check your connection and the binary's \`url\`, then run berth again.`,
    );
    expect(existsSync(join(dir, "download"))).toBe(false);
  });

  test("an HTTP error names the status; a 404 points at the version and url", async () => {
    const url = server.url("/missing");
    const error = await berthFailure(
      download({ url, file: join(dir, "download"), label: "tool 9.9.9" }),
    );
    expect(error.message).toBe(
      `Could not download tool 9.9.9 from ${url}: the server answered 404 Not Found: no such file; check the binary's \`version\` and \`url\` (is there a download for this version and platform?).`,
    );
  });

  test("a stalled transfer is given up after the stall timeout", async () => {
    server.routes.set("/tool", (_req, res) => {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 1000)); // and then nothing
    });
    const file = join(dir, "download");
    const error = await berthFailure(
      download({ url: server.url("/tool"), file, label: "tool 1.0.0", stallTimeoutMs: 200 }),
    );
    expect(error.message).toContain(
      "the transfer stalled after 1.00 kB of 100 kB (no data for 200 ms)",
    );
    expect(existsSync(file)).toBe(false);
  });

  test("draws a progress bar on a terminal and clears it; nothing on a pipe", async () => {
    const written: string[] = [];
    const tty = { isTTY: true, columns: 80, write: (t: string) => written.push(t) };
    await download({
      url: server.url("/tool"),
      file: join(dir, "a"),
      label: "tool 1.0.0",
      progress: tty as unknown as NodeJS.WriteStream,
    });
    expect(
      written.some((t) => t.includes("Downloading tool 1.0.0") && t.includes("100 kB / 100 kB")),
    ).toBe(true);
    expect(written.at(-1)).toBe("\r\x1b[K");

    const pipe = { isTTY: false, write: (t: string) => written.push(`pipe:${t}`) };
    await download({
      url: server.url("/tool"),
      file: join(dir, "b"),
      label: "tool 1.0.0",
      progress: pipe as unknown as NodeJS.WriteStream,
    });
    expect(written.filter((t) => t.startsWith("pipe:"))).toEqual([]);
  });
});

describe("download through a proxy", () => {
  const saved = { ...process.env };
  let proxy: Server;
  let tunnels: string[];
  const sockets = new Set<Socket>();

  beforeEach(async () => {
    tunnels = [];
    // A forward proxy as companies run them: CONNECT, then bytes both ways.
    proxy = createServer((_request, response) => response.writeHead(405).end());
    proxy.on("connect", (request: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(request.url ?? "");
      const [host, port] = (request.url ?? "").split(":");
      sockets.add(client);
      const upstream = connect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  });

  afterEach(async () => {
    for (const name of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    // Tunnels are no longer the server's: the client would keep them open a few seconds.
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise((resolve) => proxy.close(resolve));
  });

  const proxyUrl = () => `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  test("goes through the proxy HTTP_PROXY names", async () => {
    process.env.HTTP_PROXY = proxyUrl();
    const file = join(dir, "download");
    const got = await download({ url: server.url("/tool"), file, label: "tool 1.0.0" });
    expect(got.sha256).toBe(sha256(body));
    expect(tunnels).toEqual([new URL(server.url("/tool")).host]);
  });

  test("goes straight to a host NO_PROXY lists", async () => {
    process.env.HTTP_PROXY = proxyUrl();
    process.env.NO_PROXY = "127.0.0.1";
    const got = await download({ url: server.url("/tool"), file: join(dir, "d"), label: "tool" });
    expect(got.bytes).toBe(body.length);
    expect(tunnels).toEqual([]);
  });

  test("says what failed when the proxy cannot be reached", async () => {
    process.env.HTTP_PROXY = `http://127.0.0.1:${await freePort()}`;
    const error = await berthFailure(
      download({ url: server.url("/tool"), file: join(dir, "d"), label: "tool 1.0.0" }),
    );
    expect(error.message).toMatch(/connection refused/);
    expect(existsSync(join(dir, "d"))).toBe(false);
  });
});
