import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { isBerthError } from "../errors.js";
import { validateConfig } from "./validate.js";

/** Validates `raw` as the config of a project holding `files`. */
function validate(files: Record<string, string>, raw: unknown) {
  const dir = tempProject(files);
  return { dir, result: () => validateConfig(raw, join(dir, "berth.config.ts")) };
}

function problems(files: Record<string, string>, raw: unknown): string[] {
  const { dir, result } = validate(files, raw);
  try {
    result();
  } catch (error) {
    if (isBerthError(error, "CONFIG_INVALID"))
      return error.details.map((d) => d.replace(dir, "<dir>"));
    throw error;
  }
  throw new Error("expected the config to be invalid");
}

describe("envFile", () => {
  test("the top level's files, then the service's, then env: a later value wins", () => {
    const { result } = validate(
      {
        ".env": "A=top\nB=top\nC=top\nD=top\n",
        "api/.env": '# the api\'s\nB=api\nC=api\nexport E="quoted value"\n',
      },
      {
        envFile: ".env",
        services: {
          api: { command: "x", envFile: ["api/.env"], env: { C: "env" } },
          worker: { command: "y" },
        },
      },
    );
    const [api, worker] = result().services;
    expect(api!.env).toEqual({ A: "top", B: "api", C: "env", D: "top", E: "quoted value" });
    expect(worker!.env).toEqual({ A: "top", B: "top", C: "top", D: "top" });
  });

  test("berth's own environment wins over a file, and env over both", () => {
    const dir = tempProject({ ".env": "A=file\nB=file\nC=file\n" });
    const raw = { envFile: ".env", services: { api: { command: "x", env: { B: "env" } } } };
    const file = join(dir, "berth.config.ts");
    const [api] = validateConfig(raw, file, { A: "shell", B: "shell" }).services;
    expect(api!.env).toEqual({ B: "env", C: "file" });
  });

  test("a line without = is an error, not a variable lost", () => {
    expect(
      problems(
        { ".env": "A=1\nthis is not valid\nB=2\n" },
        { envFile: ".env", services: { api: { command: "x" } } },
      ),
    ).toEqual([
      'envFile: env file <dir>/.env has a line that is not NAME=value: "this is not valid"; add "=" or make it a comment (#)',
    ]);
  });

  test("values keep their templates, and what they refer to gets a port", () => {
    const { result } = validate(
      { ".env": "DATABASE_URL={{services.db.url}}/app\n" },
      { services: { db: { command: "db" }, api: { command: "x", envFile: ".env" } } },
    );
    const [db, api] = result().services;
    expect(api!.env).toEqual({ DATABASE_URL: "{{services.db.url}}/app" });
    expect(db!.port).toEqual({ mode: "auto" });
  });

  test("a missing file is an error naming the file and the field, unless optional", () => {
    expect(
      problems(
        { ".env": "A=1\n" },
        {
          envFile: [".env", ".env.shared"],
          services: {
            api: { command: "x", envFile: ["api.env", { path: ".env.local", optional: true }] },
            web: { command: "y", envFile: "web.env" },
          },
        },
      ),
    ).toEqual([
      'envFile[1]: env file <dir>/.env.shared does not exist; create it, fix the path, or mark it optional: { path: ".env.shared", optional: true }',
      'services.api.envFile[0]: env file <dir>/api.env does not exist; create it, fix the path, or mark it optional: { path: "api.env", optional: true }',
      'services.web.envFile: env file <dir>/web.env does not exist; create it, fix the path, or mark it optional: { path: "web.env", optional: true }',
    ]);
  });

  test("a folder is not an env file", () => {
    const dir = tempProject({});
    mkdirSync(join(dir, "conf"));
    expect(() =>
      validateConfig({ envFile: "conf", services: { api: { command: "x" } } }, join(dir, "c.ts")),
    ).toThrow(/Invalid config/);
  });

  test("template problems in a file name the variable and the file", () => {
    expect(
      problems(
        { ".env": "A={{services.dbb.url}}\nB={{nme}}\n" },
        { envFile: ".env", services: { db: { command: "x" }, api: { command: "y" } } },
      ),
    ).toEqual([
      'envFile: A (from .env): {{services.dbb.url}} refers to a service "dbb" that does not exist; did you mean "db"?',
      "envFile: B (from .env): unknown template variable {{nme}}; did you mean {{name}}? (known: port, url, host, dataDir, name, projectDir, instance.name, instance.secret, services.<name>.port, services.<name>.url, services.<name>.host, services.<name>.dataDir)",
    ]);
  });

  test("the field's shape", () => {
    expect(problems({}, { services: { api: { command: "x", envFile: 3 } } })).toEqual([
      'services.api.envFile: expected a file path, or an array of paths and { path, optional } (like [".env", { path: ".env.local", optional: true }]), got 3',
    ]);
    expect(
      problems(
        {},
        { services: { api: { command: "x", envFile: [{ path: ".env", optinal: true }] } } },
      ),
    ).toEqual(["services.api.envFile[0].optinal: unknown key; did you mean `optional`?"]);
  });
});
