/**
 * Which services get a port when the config does not say: only those that need one. A
 * worker that never listens is not given a port and a URL it would never answer on.
 */
import { portNeededBy, templateReferences } from "./template.js";
import { templatedFields, type ServiceEntry } from "./checks.js";

/**
 * The names of the services that need a port: their `ready` check probes their own port
 * (`http` with a path, `tcp: true`), they have a `url` or `scheme`, or a template refers to
 * their port or URL (`{{port}}` / `{{url}}` in their own fields, `{{services.<name>.port}}` /
 * `.url` anywhere, env files included).
 *
 * @example servicesNeedingPorts(entries) // Set { "api", "db" }
 */
export function servicesNeedingPorts(entries: readonly ServiceEntry[]): Set<string> {
  const needed = new Set<string>();
  for (const entry of entries) {
    const { parsed, name } = entry;
    if (!parsed) continue;
    const ready = parsed.ready;
    if (
      parsed.url !== undefined ||
      (ready?.kind === "tcp" && ready.port === undefined) ||
      (ready?.kind === "http" && ready.url === undefined)
    ) {
      needed.add(name);
    }
    for (const { text } of templatedFields(entry)) {
      for (const ref of templateReferences(text)) {
        const target = portNeededBy(ref, name);
        if (target !== undefined) needed.add(target);
      }
    }
  }
  return needed;
}

/** Settles every `"when-needed"` port: any free port for a service that needs one, else none. */
export function settlePorts(entries: readonly ServiceEntry[]): void {
  const needed = servicesNeedingPorts(entries);
  for (const { name, parsed } of entries) {
    if (parsed?.port === "when-needed") {
      parsed.port = needed.has(name) ? { mode: "auto" } : null;
    }
  }
}
