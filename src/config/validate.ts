import { dirname } from "node:path";
import type { core } from "zod";
import { BerthError } from "../errors.js";
import { crossChecks, type ServiceEntry } from "./checks.js";
import { cutLines } from "./cut-list.js";
import { PARSE } from "./fields.js";
import { formatPath, isPlainObject, type ConfigIssue } from "./issues.js";
import type { Dependency } from "./normalized.js";
import type { NormalizedConfig, NormalizedService } from "./normalized.js";
import { dependsOnSchema } from "./depends-on.js";
import { readEnvFiles, type EnvFileSpec, type LoadedEnvFile } from "./env-file.js";
import { settlePorts } from "./port-needs.js";
import { configSchema, runProblems, serviceSchema, type ParsedService } from "./schema.js";

/**
 * Checks a loaded config and applies every default. Nothing is started on a config that
 * fails, so every problem is collected and reported at once rather than one per run.
 *
 * @example validateConfig({ services: { api: { command: "node api.js" } } }, "/app/berth.config.ts")
 * @throws BerthError `CONFIG_INVALID` naming `file`, one line per problem in `details`:
 *   `services.api.port: expected a port number (1-65535), "auto" or false, got "3000x"`.
 */
export function validateConfig(
  raw: unknown,
  file: string,
  /** berth's own environment: a variable set there wins over the env files' value. */
  environment: Readonly<Record<string, string | undefined>> = process.env,
): NormalizedConfig {
  tooManyServices(raw, file);
  const issues: ConfigIssue[] = [];
  const top = configSchema.safeParse(raw, PARSE);
  if (!top.success) issues.push(...fromZod(top.error.issues, []));

  const written = isPlainObject(raw) && isPlainObject(raw.services) ? raw.services : {};
  const entries: ServiceEntry[] = Object.entries(written).map(([name, value]) => {
    const runs = runProblems(value);
    issues.push(...runs.map((issue) => ({ ...issue, path: ["services", name, ...issue.path] })));
    const result = serviceSchema.safeParse(value, PARSE);
    if (result.success && runs.length === 0) return { name, raw: value, parsed: result.data };
    if (result.success) return { name, raw: value, dependsOn: result.data.dependsOn };
    issues.push(...fromZod(result.error.issues, ["services", name]));
    // Still check its dependencies: a typo in one field must not hide a missing service.
    const deps = dependsOnSchema.safeParse(
      isPlainObject(value) ? (value.dependsOn ?? []) : [],
      PARSE,
    );
    return { name, raw: value, ...(deps.success ? { dependsOn: deps.data } : {}) };
  });
  const projectDir = dirname(file);
  const shared = readEnvFiles(top.data?.envFile ?? [], projectDir, ["envFile"]);
  issues.push(...shared.issues);
  for (const entry of entries) {
    if (!entry.parsed) continue;
    const own = readEnvFiles(entry.parsed.envFiles, projectDir, [
      "services",
      entry.name,
      "envFile",
    ]);
    issues.push(...own.issues);
    entry.envFiles = [...shared.files, ...own.files];
  }
  // Before the cross checks: they judge templates and ready checks by who has a port.
  settlePorts(entries);
  issues.push(...crossChecks(entries));

  if (!top.success || issues.length > 0) throw invalid(file, issues, Object.keys(written));
  return {
    file,
    projectDir,
    ...(top.data.name === undefined ? {} : { name: top.data.name }),
    ...(top.data.dashboard === undefined ? {} : { dashboard: top.data.dashboard }),
    ...(top.data.publish === undefined ? {} : { publish: top.data.publish }),
    envFileNames: envFileNames(top.data.envFile ?? [], entries),
    services: entries.map((entry) => normalizeService(entry, entries, environment)),
  };
}

/** Every env file the config names, as written, once each in order. */
function envFileNames(shared: readonly EnvFileSpec[], entries: readonly ServiceEntry[]): string[] {
  const own = entries.flatMap((entry) => entry.parsed?.envFiles ?? []);
  return [...new Set([...shared, ...own].map((spec) => spec.path))];
}

function fromZod(issues: readonly core.$ZodIssue[], prefix: PropertyKey[]): ConfigIssue[] {
  return issues.map((issue) => ({ path: [...prefix, ...issue.path], message: issue.message }));
}

/**
 * A dependency listed by name only waits for what its kind of service can reach. The env
 * files' variables go under the service's own `env`, in order: a later value wins. As with
 * dotenv, Vite and Node's `--env-file`, a variable already set in berth's environment is
 * not replaced by a file's (`DATABASE_URL=… berth run` overrides `.env`); `env` wins over both.
 */
function normalizeService(
  entry: ServiceEntry,
  entries: readonly ServiceEntry[],
  environment: Readonly<Record<string, string | undefined>>,
): NormalizedService {
  const { envFiles, port, ...service } = entry.parsed! as ParsedService;
  void envFiles; // read into `entry.envFiles` by now
  const oneshot = (name: string) => entries.find((e) => e.name === name)?.parsed?.oneshot;
  const dependsOn: Dependency[] = service.dependsOn.map((dep) => ({
    name: dep.name,
    condition: dep.condition ?? (oneshot(dep.name) ? "completed" : "ready"),
  }));
  const files = (entry.envFiles ?? []).map((file: LoadedEnvFile) =>
    Object.fromEntries(
      Object.entries(file.vars).filter(([name]) => environment[name] === undefined),
    ),
  );
  const env: Record<string, string> = Object.assign({}, ...files, service.env);
  const fromEnvFiles = Object.keys(env).filter((name) => !(name in service.env));
  if (port === "when-needed") throw new Error(`the port of ${entry.name} was not settled`);
  return { name: entry.name, ...service, port, env, dependsOn, fromEnvFiles };
}

function invalid(file: string, issues: ConfigIssue[], names: string[]): BerthError {
  // Problems read best grouped: the top level first, then each service in the user's order.
  const rank = (issue: ConfigIssue) =>
    issue.path[0] === "services" && typeof issue.path[1] === "string"
      ? 1 + names.indexOf(issue.path[1])
      : 0;
  const details = [...issues]
    .sort((a, b) => rank(a) - rank(b))
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const count =
    details.length === 1 ? "1 problem" : `${details.length.toLocaleString("en-US")} problems`;
  return new BerthError(
    "CONFIG_INVALID",
    `Invalid config ${file} (${count}); fix ${details.length === 1 ? "it" : "them"} and try again.`,
    // Thousands of problems (a generated config gone wrong) would bury the first ones.
    { details: cutLines(details, MAX_LISTED_PROBLEMS) },
  );
}

/** Problems listed under a config error; the rest are counted. */
const MAX_LISTED_PROBLEMS = 50;

/**
 * The most services a config may have. Each is a process with two pipes, and a host of
 * thousands runs into the machine's limits on processes and open files (macOS allows a
 * user about 2,600 processes): a config past this is refused before anything starts.
 */
export const MAX_SERVICES = 2000;

function tooManyServices(raw: unknown, file: string): void {
  if (!isPlainObject(raw) || !isPlainObject(raw.services)) return;
  const count = Object.keys(raw.services).length;
  if (count <= MAX_SERVICES) return;
  throw new BerthError(
    "CONFIG_INVALID",
    `Invalid config ${file} (1 problem); fix it and try again.`,
    {
      details: [
        `services: expected at most ${MAX_SERVICES.toLocaleString("en-US")} services, got ` +
          `${count.toLocaleString("en-US")} (each runs a process with two pipes); split the ` +
          "project into several configs, each run by its own berth",
      ],
    },
  );
}
