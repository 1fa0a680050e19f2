import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { validateConfig } from "../config/validate.js";
import { kubernetesFiles } from "./kubernetes.js";
import { planContainers } from "./plan.js";

/**
 * kubernetes-models checks required fields and types, but lets any unknown field through,
 * which a cluster would reject or, worse, ignore. Every written object is read here against
 * the typed model of its kind, field by field, with TypeScript's own checker.
 */
const kindsFile = join(import.meta.dirname, "kube-kinds.test-d.ts");
let checker: ts.TypeChecker;
let kinds: ts.Type;

beforeAll(() => {
  const program = ts.createProgram([kindsFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(kindsFile)!)!;
  const symbol = checker.getExportsOfModule(module).find((s) => s.name === "Kinds")!;
  kinds = checker.getDeclaredTypeOfSymbol(symbol);
}, 60_000);

/** The paths of `value`'s fields that `type` does not have. */
function unknownFields(value: unknown, type: ts.Type, path: string): string[] {
  const known = checker.getNonNullableType(type);
  if (Array.isArray(value)) {
    const item = checker.getIndexTypeOfType(known, ts.IndexKind.Number);
    if (!item) return [`${path} (not a list)`];
    return value.flatMap((v, i) => unknownFields(v, item, `${path}[${i}]`));
  }
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const property = checker.getPropertyOfType(known, key);
    const field = property
      ? checker.getTypeOfSymbol(property)
      : checker.getIndexTypeOfType(known, ts.IndexKind.String);
    return field ? unknownFields(v, field, `${path}.${key}`) : [`${path}.${key}`];
  });
}

function check(object: { kind: string }): string[] {
  const kind = checker.getPropertyOfType(kinds, object.kind);
  if (!kind) return [`${object.kind} (a kind the test does not know)`];
  return unknownFields(object, checker.getTypeOfSymbol(kind), object.kind);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-kube-fields-"));
  writeFileSync(join(dir, ".env"), "KEY=v\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("every object written has only fields its kind's model has", () => {
  const config = validateConfig(
    {
      services: {
        db: {
          command: "x",
          image: "postgres:16",
          port: 5432,
          env: { D: "{{dataDir}}" },
          ready: { command: "pg_isready" },
        },
        init: { command: "node init.js", oneshot: true, restart: "on-failure", dependsOn: ["db"] },
        api: {
          command: "node api.js",
          envFile: ".env",
          dependsOn: ["init", "db"],
          ready: { http: "/health" },
        },
        edge: { command: "node edge.js", ready: { tcp: true }, dependsOn: ["api"] },
      },
    },
    join(dir, "berth.config.ts"),
    {},
  );
  const files = kubernetesFiles(planContainers(config, { secret: "s" }));
  const objects = files
    .filter((f) => f.path.endsWith(".yaml") && f.path !== "kustomization.yaml")
    .flatMap((f) => parseAllDocuments(f.body).map((d) => d.toJS() as { kind: string }));
  expect(new Set(objects.map((o) => o.kind))).toEqual(
    new Set([
      "ConfigMap",
      "Deployment",
      "Service",
      "Job",
      "PersistentVolumeClaim",
      "Secret",
      "ServiceAccount",
      "Role",
      "RoleBinding",
    ]),
  );
  expect(objects.flatMap(check)).toEqual([]);
});

test("a field no model has is found, however deep", () => {
  const deployment = {
    kind: "Deployment",
    metadata: { name: "x", labels: { any: "label" } },
    spec: {
      template: {
        spec: { containers: [{ name: "x", image: "x", imagePullPolicy: "Always", bogus: 1 }] },
      },
    },
  };
  expect(check(deployment)).toEqual(["Deployment.spec.template.spec.containers[0].bogus"]);
});
