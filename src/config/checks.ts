/**
 * Checks that look across services: names, dependencies, cycles, ports that readiness
 * checks and templates rely on. They run on every service that passed its own schema,
 * so one broken service does not hide the problems of the others.
 */
import { cutList } from "./cut-list.js";
import { findCycles } from "./graph.js";
import { templateProblems, templateReferences, type TemplateScope } from "./template.js";
import type { LoadedEnvFile } from "./env-file.js";
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
  /** The env files it reads, the top level's first, once they have been read. */
  envFiles?: LoadedEnvFile[];
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
    ...checkUrls(entries),
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
  const hint = guess ? `did you mean "${guess}"?` : `services are: ${cutList(all)}`;
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
    const why = "port: false";
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
  const issues = new Map<string, ConfigIssue>();
  for (const entry of entries) {
    const scope: TemplateScope = { self: entry.name, services };
    for (const { at, text, label } of templatedFields(entry)) {
      for (const problem of templateProblems(text, scope)) {
        const message = label ? `${label}: ${problem}` : problem;
        // A top-level env file is read by every service: say each problem once.
        issues.set(JSON.stringify([at.map(String), message]), { path: at, message });
      }
    }
  }
  return [...issues.values()];
}

/**
 * A URL is shown by `ps`, in the terminal and over the control socket, and the other URLs
 * are made from it: it cannot hold the secret, nor be made of URLs itself.
 */
function checkUrls(entries: readonly ServiceEntry[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { name, raw, parsed } of entries) {
    if (parsed?.url === undefined || (raw as { url?: unknown }).url === undefined) continue;
    for (const ref of templateReferences(parsed.url)) {
      const path = ["services", name, "url"];
      if (ref === "instance.secret") {
        issues.push({
          path,
          message:
            "{{instance.secret}} cannot be part of a URL: URLs are shown by `berth ps` and in the terminal; pass the secret in `env` instead",
        });
      } else if (ref === "url" || /^services\.[^.]+\.url$/.test(ref)) {
        issues.push({
          path,
          message: `{{${ref}}} cannot be used in a URL (URLs are made one by one from ports); use {{port}} or {{services.<name>.port}}`,
        });
      }
    }
  }
  return issues;
}

/** A value that may hold templates, with the path of the field it was written in. */
export interface TemplatedField {
  at: PropertyKey[];
  text: string;
  /** Which variable of an env file it is (`DATABASE_URL (from .env)`). */
  label?: string;
}

/** Every value of a service that may hold templates, with where it was written. */
export function templatedFields(entry: ServiceEntry): TemplatedField[] {
  const { name, raw, parsed } = entry;
  if (!parsed) return [];
  const own = (at: PropertyKey[]) => ["services", name, ...at];
  const fields: TemplatedField[] = [
    ...(entry.envFiles ?? []).flatMap((file) =>
      Object.entries(file.vars).map(([key, text]) => ({
        at: [...file.at],
        text,
        label: `${key} (from ${file.path})`,
      })),
    ),
    ...(parsed.command === undefined ? [] : commandFields(parsed.command, own(["command"]))),
    ...parsed.args.map((text, i) => ({ at: own(["args", i]), text })),
    ...(parsed.cwd === undefined ? [] : [{ at: own(["cwd"]), text: parsed.cwd }]),
    ...Object.entries(parsed.env).map(([key, text]) => ({ at: own(["env", key]), text })),
  ];
  // A `scheme` becomes a URL template of berth's own making, with nothing to report.
  if (parsed.url !== undefined && (raw as { url?: unknown }).url !== undefined) {
    fields.push({ at: own(["url"]), text: parsed.url });
  }
  const ready = parsed.ready;
  if (ready?.kind === "command") {
    fields.push(...commandFields(ready.command, own(["ready", "command"])));
  }
  if (ready?.kind === "http") {
    const shortForm = typeof (raw as { ready?: { http?: unknown } }).ready?.http === "string";
    for (const key of ["path", "url", "body"] as const) {
      const text = ready[key];
      const at = own(shortForm ? ["ready", "http"] : ["ready", "http", key]);
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

function commandFields(command: string | string[], at: PropertyKey[]): TemplatedField[] {
  return typeof command === "string"
    ? [{ at, text: command }]
    : command.map((text, i) => ({ at: [...at, i], text }));
}
