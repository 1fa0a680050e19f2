/**
 * Templates in config strings: `{{ services.api.url }}`, `{{port}}`, `{{instance.name}}`.
 * Validated with the config (so a typo fails before anything starts) and rendered by the
 * planner once ports are chosen. `\{{` writes a literal `{{` (for Go templates in commands).
 */
import { BerthError } from "../errors.js";
import { closest } from "./suggest.js";

type Field = "port" | "url" | "dataDir" | "host";
type Reference =
  | { kind: "self"; field: Field | "name" }
  | { kind: "service"; service: string; field: Field }
  | { kind: "instance"; field: "name" | "secret" }
  | { kind: "projectDir" };

const plainVariables = [
  "port",
  "url",
  "host",
  "dataDir",
  "name",
  "projectDir",
  "instance.name",
  "instance.secret",
];
const serviceFields: readonly string[] = ["port", "url", "dataDir", "host"];
const known = `${plainVariables.join(", ")}, services.<name>.port, services.<name>.url, services.<name>.host, services.<name>.dataDir`;

type Token = { text: string } | { ref: string } | { unclosed: true };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\\\{\{|\{\{(.*?)\}\}|\{\{/gs;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    tokens.push({ text: text.slice(last, match.index) });
    if (match[0] === "\\{{") tokens.push({ text: "{{" });
    else if (match[1] === undefined) tokens.push({ unclosed: true });
    else tokens.push({ ref: match[1].trim() });
    last = match.index + match[0].length;
  }
  tokens.push({ text: text.slice(last) });
  return tokens;
}

function parseReference(ref: string): Reference | undefined {
  if (ref === "projectDir") return { kind: "projectDir" };
  if (ref === "port" || ref === "url" || ref === "dataDir" || ref === "host" || ref === "name") {
    return { kind: "self", field: ref };
  }
  if (ref === "instance.name" || ref === "instance.secret") {
    return { kind: "instance", field: ref === "instance.name" ? "name" : "secret" };
  }
  const parts = ref.split(".");
  if (parts.length === 3 && parts[0] === "services" && serviceFields.includes(parts[2]!)) {
    return { kind: "service", service: parts[1]!, field: parts[2] as Field };
  }
  return undefined;
}

/**
 * The references in a string, trimmed, in order.
 *
 * @example templateReferences("{{ services.api.url }}/x?n={{instance.name}}") // ["services.api.url", "instance.name"]
 */
export function templateReferences(text: string): string[] {
  return tokenize(text).flatMap((token) => ("ref" in token ? [token.ref] : []));
}

/**
 * The service whose port a reference needs (`{{port}}`, `{{url}}`, `{{services.db.url}}`),
 * or undefined.
 *
 * @example portNeededBy("services.db.url", "api") // "db"
 */
export function portNeededBy(ref: string, self: string): string | undefined {
  const parsed = parseReference(ref);
  if (parsed?.kind === "self" && (parsed.field === "port" || parsed.field === "url")) return self;
  if (parsed?.kind === "service" && parsed.field !== "dataDir") return parsed.service;
  return undefined;
}

/** What validation knows about the services before any port is chosen. */
export interface TemplateScope {
  /** The service whose value this is (for `port`, `url`, `dataDir`, `name`). */
  self: string;
  services: ReadonlyMap<string, { hasPort: boolean }>;
}

/**
 * Every problem with the templates in `text`, as messages without a path; empty when the
 * text renders for any choice of ports.
 */
export function templateProblems(text: string, scope: TemplateScope): string[] {
  const problems: string[] = [];
  for (const token of tokenize(text)) {
    if ("unclosed" in token) {
      problems.push('"{{" is not closed by "}}" (write "\\\\{{" for a literal "{{")');
    } else if ("ref" in token) {
      const problem = referenceProblem(token.ref, scope);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function referenceProblem(ref: string, scope: TemplateScope): string | undefined {
  const parsed = parseReference(ref);
  if (!parsed) {
    const guess = guessReference(ref);
    const hint = guess ? `; did you mean {{${guess}}}?` : "";
    return `unknown template variable {{${ref}}}${hint} (known: ${known})`;
  }
  if (parsed.kind === "service" && !scope.services.has(parsed.service)) {
    const guess = closest(parsed.service, scope.services.keys());
    const hint = guess ? `; did you mean "${guess}"?` : "";
    return `{{${ref}}} refers to a service "${parsed.service}" that does not exist${hint}`;
  }
  const target = parsed.kind === "service" ? parsed.service : scope.self;
  const field = parsed.kind === "service" || parsed.kind === "self" ? parsed.field : undefined;
  if ((field === "port" || field === "url") && scope.services.get(target)?.hasPort === false) {
    return `{{${ref}}} needs a port, but service "${target}" has \`port: false\` (remove it, or set a port)`;
  }
  return undefined;
}

function guessReference(ref: string): string | undefined {
  const parts = ref.split(".");
  if (parts[0] === "services" && parts.length === 3) {
    const field = closest(parts[2]!, serviceFields);
    return field && `services.${parts[1]}.${field}`;
  }
  return closest(ref, plainVariables);
}

/** What rendering knows: every service's port (when it has one), URL and data folder. */
export interface TemplateContext {
  /** The service whose value is rendered. */
  self: string;
  projectDir: string;
  instance: { name: string; secret: string };
  /** `host`: how others reach it; `localhost` on this machine, its name in a container. */
  services: Record<string, { port?: number; url?: string; dataDir: string; host?: string }>;
}

/**
 * Replaces every reference in `text` with its value.
 *
 * @example renderTemplate("{{services.api.url}}/health", context, "services.worker.env.API") // "http://localhost:4310/health"
 * @throws BerthError `CONFIG_INVALID` naming `where` for a reference that cannot be resolved.
 */
export function renderTemplate(text: string, context: TemplateContext, where: string): string {
  return tokenize(text)
    .map((token) => {
      if ("text" in token) return token.text;
      if ("unclosed" in token) return fail(where, '"{{" is not closed by "}}"');
      return resolve(token.ref, context, where);
    })
    .join("");
}

function resolve(ref: string, context: TemplateContext, where: string): string {
  const parsed = parseReference(ref);
  if (!parsed) return fail(where, `unknown template variable {{${ref}}} (known: ${known})`);
  if (parsed.kind === "projectDir") return context.projectDir;
  if (parsed.kind === "instance") return context.instance[parsed.field];
  if (parsed.field === "name") return context.self;
  const name = parsed.kind === "service" ? parsed.service : context.self;
  const service = context.services[name];
  if (!service) return fail(where, `{{${ref}}} refers to a service "${name}" that does not exist`);
  const value = parsed.field === "host" ? (service.host ?? "localhost") : service[parsed.field];
  if (value === undefined) {
    return fail(where, `{{${ref}}} needs a port, but service "${name}" has none`);
  }
  return String(value);
}

function fail(where: string, problem: string): never {
  throw new BerthError("CONFIG_INVALID", `${where}: ${problem}`);
}
