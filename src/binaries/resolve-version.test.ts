import { describe, expect, test } from "vitest";
import { isBerthError } from "../errors.js";
import { freePort } from "../../test/helpers/app.js";
import { binary, serve } from "./fixtures.test-helper.js";
import { parseLatest, resolveVersion } from "./resolve-version.js";

describe("parseLatest", () => {
  test("plain text, JSON version or tag_name; a leading v before a digit is dropped", () => {
    expect(parseLatest("1.4.2\n")).toEqual({ version: "1.4.2" });
    expect(parseLatest("v1.4.2")).toEqual({ version: "1.4.2" });
    expect(parseLatest('{"version":"2.0.0-rc.1"}')).toEqual({ version: "2.0.0-rc.1" });
    expect(parseLatest('{"tag_name":"v3.1.0","name":"Release 3.1"}')).toEqual({ version: "3.1.0" });
    expect(parseLatest("vnext")).toEqual({ version: "vnext" });
  });

  test("answers that are not a version", () => {
    expect(parseLatest("<html>")).toEqual({ problem: 'the answer is not a version: "<html>"' });
    expect(parseLatest("")).toEqual({ problem: 'the answer is not a version: ""' });
    expect(parseLatest("../../etc")).toEqual({
      problem: 'the answer is not a version: "../../etc"',
    });
    expect(parseLatest('{"name":"x"}')).toEqual({
      problem: "the JSON answer has neither a `version` nor a `tag_name` field",
    });
    expect(parseLatest("{oops")).toEqual({
      problem: "the answer looks like JSON but does not parse",
    });
  });
});

describe("resolveVersion", () => {
  const noLog = () => {};

  test("a pinned version needs no lookup", async () => {
    expect(
      await resolveVersion(binary({ url: "http://x/", version: "1.2.3" }), { log: noLog }),
    ).toBe("1.2.3");
  });

  test("latest: looked up; preferInstalled skips the lookup", async () => {
    const server = await serve({ "/latest": '{"tag_name":"v2.0.0"}' });
    try {
      const spec = binary({ url: "http://x/", version: "latest", latest: server.url("/latest") });
      expect(await resolveVersion(spec, { log: noLog, installedVersion: "1.0.0" })).toBe("2.0.0");
      expect(
        await resolveVersion(spec, {
          log: noLog,
          installedVersion: "1.0.0",
          preferInstalled: true,
        }),
      ).toBe("1.0.0");
      expect(server.hits.get("/latest")).toBe(1);
    } finally {
      await server.close();
    }
  });

  test("lookup fails (server down, error, bad answer, no answer): the installed version, with a warning", async () => {
    const server = await serve({
      "/500": { status: 500, body: "upstream exploded" },
      "/html": "<html>rate limited</html>",
      "/hang": () => {},
    });
    const down = `http://127.0.0.1:${await freePort()}/latest`;
    try {
      const cases: [string, string][] = [
        [down, "connection refused: nothing answers there (is the server down?)"],
        [server.url("/500"), "the server answered 500 Internal Server Error: upstream exploded"],
        [server.url("/html"), 'the answer is not a version: "<html>rate limited</html>"'],
        [server.url("/hang"), "no answer within 200 ms"],
      ];
      for (const [latest, problem] of cases) {
        const warnings: string[] = [];
        const spec = binary({ url: "http://x/", version: "latest", latest });
        const version = await resolveVersion(spec, {
          log: (_level, text) => warnings.push(text),
          installedVersion: "1.0.0",
          timeoutMs: 200,
        });
        expect(version).toBe("1.0.0");
        expect(warnings).toEqual([
          `Could not look up the latest version of tool at ${latest} (${problem}); using 1.0.0, the version this project used last time.`,
        ]);
      }
    } finally {
      await server.close();
    }
  });

  test("lookup fails and nothing is installed: an error that says to pin a version", async () => {
    const latest = `http://127.0.0.1:${await freePort()}/latest`;
    const error = await resolveVersion(binary({ url: "http://x/", version: "latest", latest }), {
      log: noLog,
    }).catch((e: unknown) => e);
    expect(isBerthError(error, "BINARY_VERSION_UNKNOWN")).toBe(true);
    expect((error as Error).message).toBe(
      `Could not look up the latest version of tool at ${latest}: connection refused: nothing answers there (is the server down?); and this project has no version of it installed yet. ` +
        `Pin a version in the config (binary.version: "1.2.3"), or run again once ${new URL(latest).host} can be reached.`,
    );
  });
});
