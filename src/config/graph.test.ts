import { describe, expect, test } from "vitest";
import { dependencyOrder, findCycle, findCycles, reverseDependents } from "./graph.js";

const graph = (edges: Record<string, string[]>) =>
  Object.entries(edges).map(([name, deps]) => ({
    name,
    dependsOn: deps.map((dep) => ({ name: dep })),
  }));

describe("dependencyOrder", () => {
  test("puts every service after its dependencies, keeping the user's order otherwise", () => {
    expect(
      dependencyOrder(graph({ web: ["api"], api: ["db", "migrate"], db: [], migrate: ["db"] })),
    ).toEqual(["db", "migrate", "api", "web"]);
    expect(dependencyOrder(graph({ c: [], b: [], a: [] }))).toEqual(["c", "b", "a"]);
    expect(dependencyOrder(graph({ web: ["api"], other: [], api: [] }))).toEqual([
      "other",
      "api",
      "web",
    ]);
  });

  test("ignores dependencies on unknown services", () => {
    expect(dependencyOrder(graph({ a: ["ghost"], b: [] }))).toEqual(["a", "b"]);
  });

  test("a cycle throws, naming it", () => {
    expect(() => dependencyOrder(graph({ a: ["b"], b: ["a"] }))).toThrow(
      "dependency cycle: a → b → a",
    );
  });
});

describe("findCycles", () => {
  test("none in an acyclic graph", () => {
    expect(findCycles(graph({ a: ["b"], b: ["c"], c: [], d: ["b", "c"] }))).toEqual([]);
    expect(findCycle(graph({ a: [] }))).toBeUndefined();
  });

  test("each cycle written in full from where it was entered", () => {
    expect(findCycle(graph({ api: ["worker"], worker: ["api"] }))).toEqual([
      "api",
      "worker",
      "api",
    ]);
    expect(findCycles(graph({ x: ["a"], a: ["b"], b: ["c"], c: ["a"], s: ["s"] }))).toEqual([
      ["a", "b", "c", "a"],
      ["s", "s"],
    ]);
  });
});

describe("reverseDependents", () => {
  test("direct and indirect dependents, in dependency order", () => {
    const services = graph({ web: ["api"], api: ["db"], db: [], worker: ["db"], cron: [] });
    expect(reverseDependents(services, "db")).toEqual(["api", "web", "worker"]);
    expect(reverseDependents(services, "web")).toEqual([]);
  });
});
