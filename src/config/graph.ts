/**
 * The dependency graph between services. Edges to services that do not exist are ignored
 * here: validation reports them, and the supervisor only sees validated configs.
 */
import { BerthError } from "../errors.js";

export interface GraphNode {
  name: string;
  dependsOn: readonly { name: string }[];
}

/**
 * Service names with every service after everything it depends on. Stable: among the
 * services whose dependencies are placed, the one the user wrote first comes first.
 *
 * @example dependencyOrder([{ name: "web", dependsOn: [{ name: "api" }] }, { name: "api", dependsOn: [] }]) // ["api", "web"]
 * @throws BerthError `CONFIG_INVALID` on a cycle (validation rejects those before).
 */
export function dependencyOrder(services: readonly GraphNode[]): string[] {
  const names = new Set(services.map((s) => s.name));
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < services.length) {
    const next = services.find(
      (s) =>
        !placed.has(s.name) && s.dependsOn.every((d) => placed.has(d.name) || !names.has(d.name)),
    );
    if (!next) {
      const cycle = findCycle(services) ?? [];
      throw new BerthError("CONFIG_INVALID", `dependency cycle: ${cycle.join(" → ")}`);
    }
    placed.add(next.name);
    order.push(next.name);
  }
  return order;
}

/**
 * Every cycle a depth-first walk meets (one per back edge), each written from its first
 * service back to it: `["api", "worker", "api"]`. A self-dependency is `["api", "api"]`.
 */
export function findCycles(services: readonly GraphNode[]): string[][] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: GraphNode): void => {
    state.set(node.name, "visiting");
    stack.push(node.name);
    for (const { name } of node.dependsOn) {
      const target = byName.get(name);
      if (!target) continue;
      const seen = state.get(name);
      if (seen === "visiting") cycles.push([...stack.slice(stack.indexOf(name)), name]);
      else if (seen === undefined) visit(target);
    }
    stack.pop();
    state.set(node.name, "done");
  };
  for (const service of services) if (!state.has(service.name)) visit(service);
  return cycles;
}

/** The first cycle in the graph, if there is one. */
export function findCycle(services: readonly GraphNode[]): string[] | undefined {
  return findCycles(services)[0];
}

/**
 * Every service that depends on `name`, directly or through others, in dependency order:
 * what has to stop before `name` does, or fails when `name` fails.
 */
export function reverseDependents(services: readonly GraphNode[], name: string): string[] {
  const affected = new Set([name]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const service of services) {
      if (!affected.has(service.name) && service.dependsOn.some((d) => affected.has(d.name))) {
        affected.add(service.name);
        grew = true;
      }
    }
  }
  affected.delete(name);
  return dependencyOrder(services).filter((s) => affected.has(s));
}
