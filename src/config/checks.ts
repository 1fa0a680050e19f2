/**
 * Checks that look across services: names, dependencies, cycles, ports that readiness
 * checks and templates rely on. They run on every service that passed its own schema,
 * so one broken service does not hide the problems of the others.
 */
import { findCycles } from "../model/graph.js";
import { templateProblems, type TemplateScope } from "../model/template.js";
import type { ConfigIssue } from "./issues.js";
import type { ParsedDependency, ParsedService } from "./schema.js";
import { closest } from "./suggest.js";

export interface ServiceEntry {
  name: string;
  /** The service as written (to tell `http: "/x"` from `http: { path: "/x" }`). */
  raw: unknown;
  /** Undefined when the service failed its own schema. */
  parsed?: ParsedService;
  /** Its dependencies, when they could be read even though the service failed. */
  dependsOn?: ParsedDependency[];
}

const dependenciesOf = (entry: ServiceEntry) => entry.parsed?.dependsOn ?? entry.dependsOn ?? [];

const serviceName = /^[A-Za-z][A-Za-z0-9_-]*$/;

export function crossChecks(entries: readonly ServiceEntry[]): ConfigIssue[] {
  return [
    ...checkNames(entries),
    ...checkDependencies(entries),
    ...checkCycles(entries),
    ...checkReadyPorts(entries),
    ...checkTemplates(entries),
    ...checkSharedBinaries(entries),
  ];
}

function checkNames(entries: readonly ServiceEntry[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byEnvName = new Map<string, string>();
  for (const { name } of entries) {
    const path = ["services", name];
    if (!serviceName.test(name)) {
      const what = 'a service name of letters, digits, "-" and "_" that starts with a letter';
      issues.push({ path, message: `expected ${what}, got ${JSON.stringify(name)}` });
      continue;
    }
    // Both names would set the same BERTH_<NAME>_PORT / _URL variables.
    const envName = name.toUpperCase().replace(/-/g, "_");
    const other = byEnvName.get(envName);
    if (other === undefined) byEnvName.set(envName, name);
    else {
      issues.push({
        path,
        message: `name collides with "${other}": both set BERTH_${envName}_PORT and BERTH_${envName}_URL; rename one`,
      });
    }
  }
  return issues;
}

function checkDependencies(entries: readonly ServiceEntry[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const entry of entries) {
    const name = entry.name;
    const seen = new Set<string>();
    for (const dep of dependenciesOf(entry)) {
      const path = ["services", name, ...dep.at];
      const target = byName.get(dep.name);
      if (dep.name === name) issues.push({ path, message: "a service cannot depend on itself" });
      else if (!target) issues.push({ path, message: missingService(dep.name, byName.keys()) });
      else if (seen.has(dep.name)) issues.push({ path, message: `"${dep.name}" is listed twice` });
      else if (dep.condition === "completed" && target.parsed?.oneshot === false) {
        issues.push({
          path,
          message: `"completed" waits for ${dep.name} to exit with code 0, but ${dep.name} is not a oneshot; use "ready" or "started", or set \`oneshot: true\` on ${dep.name}`,
        });
      }
      seen.add(dep.name);
    }
  }
  return issues;
}

function missingService(name: string, names: Iterable<string>): string {
  const all = [...names];
  const guess = closest(name, all);
  const hint = guess ? `did you mean "${guess}"?` : `services are: ${all.join(", ")}`;
  return `no service named "${name}"; ${hint}`;
}

function checkCycles(entries: readonly ServiceEntry[]): ConfigIssue[] {
  // Self-dependencies are reported on their own above.
  const nodes = entries.map((entry) => ({
    name: entry.name,
    dependsOn: dependenciesOf(entry).filter((d) => d.name !== entry.name),
  }));
  return findCycles(nodes).map((cycle) => ({
    path: ["services", cycle[0]!, "dependsOn"],
    message: `dependency cycle: ${cycle.join(" → ")}; remove one of these dependencies`,
  }));
}

function checkReadyPorts(entries: readonly ServiceEntry[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { name, parsed } of entries) {
    const ready = parsed?.ready;
    if (!parsed || parsed.port !== null || !ready) continue;
    const why = parsed.oneshot ? "a oneshot gets no port unless it sets `port`" : "port: false";
    if (ready.kind === "tcp" && ready.port === undefined) {
      issues.push({
        path: ["services", name, "ready", "tcp"],
        message: `\`tcp: true\` checks the service's own port, but ${name} has none (${why}); set \`port\`, or use { tcp: { port: <number> } }`,
      });
    } else if (ready.kind === "http" && ready.url === undefined) {
      issues.push({
        path: ["services", name, "ready", "http"],
        message: `a path is probed on the service's own port, but ${name} has none (${why}); set \`port\`, or give a full \`url\``,
      });
    }
  }
  return issues;
}

function checkTemplates(entries: readonly ServiceEntry[]): ConfigIssue[] {
  const services = new Map(entries.map((e) => [e.name, { hasPort: e.parsed?.port !== null }]));
  const issues: ConfigIssue[] = [];
  for (const entry of entries) {
    const scope: TemplateScope = { self: entry.name, services };
    for (const { at, text } of templatedFields(entry)) {
      for (const message of templateProblems(text, scope)) {
        issues.push({ path: ["services", entry.name, ...at], message });
      }
    }
  }
  return issues;
}

/** Every value that may hold templates, with where it was written. */
function templatedFields({ raw, parsed }: ServiceEntry): { at: PropertyKey[]; text: string }[] {
  if (!parsed) return [];
  const fields = [
    ...(parsed.command === undefined ? [] : commandFields(parsed.command, ["command"])),
    ...parsed.args.map((text, i) => ({ at: ["args", i] as PropertyKey[], text })),
    ...(parsed.cwd === undefined ? [] : [{ at: ["cwd"], text: parsed.cwd }]),
    ...Object.entries(parsed.env).map(([key, text]) => ({ at: ["env", key], text })),
  ];
  const ready = parsed.ready;
  if (ready?.kind === "command") fields.push(...commandFields(ready.command, ["ready", "command"]));
  if (ready?.kind === "http") {
    const shortForm = typeof (raw as { ready?: { http?: unknown } }).ready?.http === "string";
    for (const key of ["path", "url", "body"] as const) {
      const text = ready[key];
      const at = shortForm ? ["ready", "http"] : ["ready", "http", key];
      if (text !== undefined) fields.push({ at, text });
    }
  }
  return fields;
}

/**
 * One binary name is one cache folder and one entry in state.json: services that share it
 * must describe it the same way (define it once in a variable and use it in both).
 */
function checkSharedBinaries(entries: readonly ServiceEntry[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const first = new Map<string, { service: string; spec: string }>();
  for (const { name, parsed } of entries) {
    const binary = parsed?.binary;
    if (!binary) continue;
    const spec = JSON.stringify(binary);
    const other = first.get(binary.name);
    if (!other) first.set(binary.name, { service: name, spec });
    else if (other.spec !== spec) {
      issues.push({
        path: ["services", name, "binary"],
        message: `binary "${binary.name}" is also used by ${other.service}, described differently; define it once (const ${camel(binary.name)} = { ... }) and use it in both, or give each its own \`name\``,
      });
    }
  }
  return issues;
}

function camel(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join("");
  return /^[A-Za-z_]/.test(joined) ? joined : `binary${joined}`;
}

function commandFields(command: string | string[], at: PropertyKey[]) {
  return typeof command === "string"
    ? [{ at, text: command }]
    : command.map((text, i) => ({ at: [...at, i], text }));
}
