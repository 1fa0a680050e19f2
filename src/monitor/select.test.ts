import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BerthError } from "../errors.js";
import {
  describeHost,
  inScope,
  isInside,
  requireLive,
  selectHost,
  type SelectableHost,
} from "./select.js";

const root = realpathSync(mkdtempSync(join(tmpdir(), "bm-select-")));
for (const folder of ["a/b", "a/bc", "a/b/c", "shop", "elsewhere"]) {
  mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(join(root, folder, "berth.config.ts"), "");
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

function host(
  folder: string,
  pid: number,
  status: SelectableHost["status"] = "live",
): SelectableHost {
  const appHostPath = join(root, folder, "berth.config.ts");
  return {
    pid,
    status,
    socketPath: `/run/x.${pid}.sock`,
    sidecar: { appHostPath, pid, processStartTime: "1", startedAt: "", version: "0" },
  };
}

function thrown(run: () => unknown): BerthError {
  try {
    run();
  } catch (error) {
    if (error instanceof BerthError) return error;
    throw error;
  }
  throw new Error("expected a BerthError");
}

describe("isInside", () => {
  it("compares whole path segments", () => {
    expect(isInside("/a/b/berth.config.ts", "/a/b")).toBe(true);
    expect(isInside("/a/b", "/a/b")).toBe(true);
    expect(isInside("/a/b/c/d.ts", "/a/b")).toBe(true);
    expect(isInside("/a/b/..x/d.ts", "/a/b")).toBe(true);
    expect(isInside("/a/bc/berth.config.ts", "/a/b")).toBe(false);
    expect(isInside("/a/berth.config.ts", "/a/b")).toBe(false);
    expect(isInside("/x/berth.config.ts", "/")).toBe(true);
  });
});

describe("selectHost", () => {
  const shop = host("shop", 101);
  const ab = host("a/b", 102);
  const abc = host("a/bc", 103);
  const abcDeep = host("a/b/c", 104);
  const elsewhere = host("elsewhere", 105);

  it("from inside a project's subfolder, picks the project around it (the deepest)", () => {
    mkdirSync(join(root, "shop", "src"), { recursive: true });
    expect(selectHost([shop, elsewhere], { cwd: join(root, "shop", "src") })).toBe(shop);
    // a/b/c lies inside a/b: from a/b/c/x the nearer project wins.
    mkdirSync(join(root, "a", "b", "c", "x"), { recursive: true });
    expect(selectHost([ab, abcDeep], { cwd: join(root, "a", "b", "c", "x") })).toBe(abcDeep);
  });

  it("picks the single host in scope", () => {
    expect(selectHost([shop, elsewhere], { cwd: join(root, "shop") })).toBe(shop);
    // Scope is what lies inside cwd (DESIGN.md): a project's own subfolder does not hold it.
    expect(inScope(shop, join(root, "shop", "src"))).toBe(false);
  });

  it("does not take a folder that merely shares a prefix (/a/bc is not inside /a/b)", () => {
    expect(selectHost([ab, abc], { cwd: join(root, "a/b") })).toBe(ab);
    expect(selectHost([abc, shop], { cwd: join(root, "a/bc") })).toBe(abc);
  });

  it("compares real paths: a symlinked cwd finds the host", () => {
    const link = join(root, "link-to-shop");
    symlinkSync(join(root, "shop"), link);
    expect(selectHost([shop], { cwd: link })).toBe(shop);
  });

  it("refuses to guess between several hosts in scope, listing them with their PIDs", () => {
    const error = thrown(() => selectHost([ab, abcDeep, shop], { cwd: join(root, "a") }));
    expect(error.code).toBe("AMBIGUOUS_HOST");
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      `2 app hosts run under ${join(root, "a")}. Pick one with --apphost <path> or --pid <pid>.`,
    );
    expect(error.details).toEqual([
      `${join(root, "a/b/berth.config.ts")} (pid 102)`,
      `${join(root, "a/b/c/berth.config.ts")} (pid 104)`,
    ]);
  });

  it("says nothing runs here, and lists what runs elsewhere", () => {
    const error = thrown(() =>
      selectHost([shop, host("elsewhere", 105, "unresponsive")], { cwd: join(root, "a") }),
    );
    expect(error.code).toBe("NOT_RUNNING");
    expect(error.exitCode).toBe(7);
    expect(error.message).toBe(
      `No app host runs under ${join(root, "a")}. Start one with \`berth run\`, or pick one of ` +
        "those running elsewhere with --apphost <path> or --pid <pid>:",
    );
    expect(error.details).toEqual([
      `${join(root, "shop/berth.config.ts")} (pid 101)`,
      `${join(root, "elsewhere/berth.config.ts")} (pid 105, unresponsive)`,
    ]);
    expect(thrown(() => selectHost([], { cwd: root })).message).toBe(
      `No app host runs under ${root}. Start one with \`berth run\`.`,
    );
  });

  it("takes --apphost as a config file or its folder, relative to cwd, over the scope", () => {
    const hosts = [ab, abcDeep, shop];
    expect(selectHost(hosts, { cwd: join(root, "a"), apphost: "b/c" })).toBe(abcDeep);
    expect(selectHost(hosts, { cwd: join(root, "a"), apphost: "b/berth.config.ts" })).toBe(ab);
    expect(selectHost(hosts, { cwd: join(root, "a"), apphost: join(root, "shop") })).toBe(shop);
    const error = thrown(() => selectHost(hosts, { cwd: root, apphost: "a/bc" }));
    expect(error.code).toBe("NOT_RUNNING");
    expect(error.message).toMatch(new RegExp(`^No app host runs for ${join(root, "a/bc")}\\. `));
  });

  it("takes --pid, alone or with --apphost", () => {
    const hosts = [ab, abcDeep, shop];
    expect(selectHost(hosts, { cwd: join(root, "a"), pid: 101 })).toBe(shop);
    expect(selectHost(hosts, { cwd: root, apphost: "a/b", pid: 102 })).toBe(ab);
    const error = thrown(() => selectHost(hosts, { cwd: root, apphost: "a/b", pid: 101 }));
    expect(error.message).toMatch(/^No app host runs for .*a\/b with pid 101\./);
    expect(thrown(() => selectHost(hosts, { cwd: root, pid: 9 })).code).toBe("NOT_RUNNING");
  });

  it("prefers the live one of two hosts of the same project (one leaving, one starting)", () => {
    const leaving = host("shop", 201, "unresponsive");
    const next = host("shop", 202);
    expect(selectHost([leaving, next], { cwd: root, apphost: "shop" })).toBe(next);
    expect(thrown(() => selectHost([leaving, next], { cwd: join(root, "shop") })).code).toBe(
      "AMBIGUOUS_HOST",
    );
  });

  it("reads the path from the host's answer when it has no sidecar", () => {
    const answered: SelectableHost = {
      ...host("shop", 301),
      sidecar: undefined,
      info: { appHostPath: join(root, "shop", "berth.config.ts") } as SelectableHost["info"],
    };
    expect(selectHost([answered], { cwd: join(root, "shop") })).toBe(answered);
  });
});

describe("requireLive", () => {
  it("passes a live host, and names an unresponsive one with its reason", () => {
    const live = host("shop", 401);
    expect(requireLive(live)).toBe(live);
    const hung = { ...host("shop", 402, "unresponsive"), error: "did not answer within 2000 ms" };
    const error = thrown(() => requireLive(hung));
    expect(error.code).toBe("HOST_UNRESPONSIVE");
    expect(error.exitCode).toBe(8);
    expect(error.message).toBe(
      `The app host for ${join(root, "shop/berth.config.ts")} (pid 402) does not answer. ` +
        "Stop it with `berth stop --pid 402` (it is signalled if it does not answer).",
    );
    expect(error.details).toEqual(["did not answer within 2000 ms"]);
  });

  it("names a slow host as slow to answer, not hung", () => {
    const busy = host("shop", 403, "slow");
    expect(thrown(() => requireLive(busy)).message).toBe(
      `The app host for ${join(root, "shop/berth.config.ts")} (pid 403) is slow to answer: ` +
        "try again in a moment, or stop it with `berth stop --pid 403` (it is signalled if it does not answer).",
    );
    expect(describeHost(busy)).toBe(
      `${join(root, "shop/berth.config.ts")} (pid 403, slow to answer)`,
    );
  });
});
