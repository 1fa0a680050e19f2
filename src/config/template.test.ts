import { describe, expect, test } from "vitest";
import { isBerthError } from "../errors.js";
import {
  renderTemplate,
  templateProblems,
  templateReferences,
  type TemplateContext,
  type TemplateScope,
} from "./template.js";

const context: TemplateContext = {
  self: "worker",
  projectDir: "/work/app",
  instance: { name: "app-1a2b3c", secret: "s3cret" },
  services: {
    api: { port: 4310, url: "http://localhost:4310", dataDir: "/work/app/.berth/data/api" },
    worker: { port: 5000, url: "http://localhost:5000", dataDir: "/work/app/.berth/data/worker" },
    migrate: { dataDir: "/work/app/.berth/data/migrate" },
  },
};

const render = (text: string, self = "worker") =>
  renderTemplate(text, { ...context, self }, "services.worker.env.X");

describe("renderTemplate", () => {
  test("every kind of reference, with or without spaces", () => {
    expect(render("{{services.api.url}}/health")).toBe("http://localhost:4310/health");
    expect(render("{{ services.api.port }}:{{port}}:{{ url }}")).toBe(
      "4310:5000:http://localhost:5000",
    );
    expect(render("{{dataDir}} {{services.migrate.dataDir}}")).toBe(
      "/work/app/.berth/data/worker /work/app/.berth/data/migrate",
    );
    expect(render("{{name}}@{{instance.name}}:{{instance.secret}} in {{projectDir}}")).toBe(
      "worker@app-1a2b3c:s3cret in /work/app",
    );
  });

  test("text without templates, and an escaped {{", () => {
    expect(render("node api.js --flag")).toBe("node api.js --flag");
    expect(render("docker ps --format '\\{{.Names}}' {{port}}")).toBe(
      "docker ps --format '{{.Names}}' 5000",
    );
  });

  test("an unresolvable reference names where it was written", () => {
    const failure = (text: string, self = "worker") => {
      try {
        render(text, self);
      } catch (error) {
        if (isBerthError(error, "CONFIG_INVALID")) return error.message;
      }
      throw new Error("expected CONFIG_INVALID");
    };
    expect(failure("{{port}}", "migrate")).toBe(
      'services.worker.env.X: {{port}} needs a port, but service "migrate" has none',
    );
    expect(failure("{{services.db.url}}")).toBe(
      'services.worker.env.X: {{services.db.url}} refers to a service "db" that does not exist',
    );
    expect(failure("{{ secret }}")).toMatch(
      /^services\.worker\.env\.X: unknown template variable \{\{secret\}\} \(known: port, url, /,
    );
    expect(failure("{{port")).toBe('services.worker.env.X: "{{" is not closed by "}}"');
  });
});

describe("templateReferences", () => {
  test("lists references in order, trimmed, skipping escaped braces", () => {
    expect(templateReferences("{{ services.api.url }}/x?n={{instance.name}}&\\{{port}}")).toEqual([
      "services.api.url",
      "instance.name",
    ]);
    expect(templateReferences("plain")).toEqual([]);
  });
});

describe("templateProblems", () => {
  const scope: TemplateScope = {
    self: "web",
    services: new Map([
      ["web", { hasPort: true }],
      ["api", { hasPort: true }],
      ["job", { hasPort: false }],
    ]),
  };

  test("a valid text has none", () => {
    expect(
      templateProblems("{{port}} {{services.api.url}} {{services.job.dataDir}} {{name}}", scope),
    ).toEqual([]);
  });

  test("each problem, with a did-you-mean when close", () => {
    expect(templateProblems("{{services.apii.url}} {{services.job.port}}", scope)).toEqual([
      '{{services.apii.url}} refers to a service "apii" that does not exist; did you mean "api"?',
      '{{services.job.port}} needs a port, but service "job" has `port: false` (remove it, or set a port)',
    ]);
    expect(templateProblems("{{prot}}", scope)[0]).toMatch(
      /^unknown template variable \{\{prot\}\}; did you mean \{\{port\}\}\? \(known: /,
    );
    expect(templateProblems("{{port}}", { ...scope, self: "job" })).toEqual([
      '{{port}} needs a port, but service "job" has `port: false` (remove it, or set a port)',
    ]);
    expect(templateProblems("{{xyzzy}}", scope)[0]).toMatch(
      /^unknown template variable \{\{xyzzy\}\} \(known: port, url, host, dataDir, name, projectDir, instance\.name, instance\.secret, services\.<name>\.port, services\.<name>\.url, services\.<name>\.host, services\.<name>\.dataDir\)$/,
    );
  });
});
