import { describe, expect, test } from "vitest";
import { hasDependencies, layoutGraph } from "./graph.js";

const ready = (name: string) => ({ name, condition: "ready" });

describe("the dependency graph's layout", () => {
  test("each service one column after its deepest dependency; rows keep the order", () => {
    const layout = layoutGraph(["web", "api", "db", "migrate", "cache"], {
      web: [ready("api")],
      api: [ready("db"), { name: "migrate", condition: "completed" }],
      migrate: [ready("db")],
    });
    expect(layout.nodes).toEqual([
      { name: "web", column: 3, row: 0 },
      { name: "api", column: 2, row: 0 },
      { name: "db", column: 0, row: 0 },
      { name: "migrate", column: 1, row: 0 },
      { name: "cache", column: 0, row: 1 },
    ]);
    expect(layout.edges).toEqual([
      { from: "api", to: "web", condition: "ready" },
      { from: "db", to: "api", condition: "ready" },
      { from: "migrate", to: "api", condition: "completed" },
      { from: "db", to: "migrate", condition: "ready" },
    ]);
    expect([layout.columns, layout.rows]).toEqual([4, 2]);
  });

  test("unknown names and cycles neither loop nor throw", () => {
    const layout = layoutGraph(["a", "b"], { a: [ready("b"), ready("gone")], b: [ready("a")] });
    expect(layout.nodes.map((n) => n.name)).toEqual(["a", "b"]);
    expect(layout.edges.map((e) => `${e.from}>${e.to}`)).toEqual(["b>a", "a>b"]);
  });

  test("no dependencies: nothing to show", () => {
    expect(hasDependencies({ a: [], b: [] })).toBe(false);
    expect(hasDependencies({ a: [ready("b")] })).toBe(true);
  });
});
