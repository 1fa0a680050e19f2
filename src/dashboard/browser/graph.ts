import type { ServiceInfo } from "./api.js";

/** One service's dependencies as the host tells them: `{ name, condition }`. */
export interface DependencyEdge {
  name: string;
  condition: string;
}

export type DependsOn = Record<string, DependencyEdge[]>;

/** Where each service sits: its column (how deep its chain of dependencies) and row. */
export interface GraphLayout {
  nodes: { name: string; column: number; row: number }[];
  edges: { from: string; to: string; condition: string }[];
  columns: number;
  rows: number;
}

/**
 * Columns by depth: a service with no dependencies in the first, every other one column
 * after its deepest dependency, so arrows always point right. Rows keep the services'
 * order. A cycle (the config refuses them) or an unknown name cannot loop or throw.
 */
export function layoutGraph(services: string[], dependsOn: DependsOn): GraphLayout {
  const known = new Set(services);
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    const done = depth.get(name);
    if (done !== undefined) return done;
    if (seen.has(name)) return 0;
    seen.add(name);
    const deps = (dependsOn[name] ?? []).filter((d) => known.has(d.name));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depthOf(d.name, seen)));
    seen.delete(name);
    depth.set(name, value);
    return value;
  };
  const perColumn: number[] = [];
  const nodes = services.map((name) => {
    const column = depthOf(name, new Set());
    const row = perColumn[column] ?? 0;
    perColumn[column] = row + 1;
    return { name, column, row };
  });
  const edges = services.flatMap((to) =>
    (dependsOn[to] ?? [])
      .filter((d) => known.has(d.name))
      .map((d) => ({ from: d.name, to, condition: d.condition })),
  );
  return {
    nodes,
    edges,
    columns: perColumn.length,
    rows: Math.max(0, ...perColumn.map((n) => n ?? 0)),
  };
}

/** True when some service waits for another: otherwise there is no graph to show. */
export function hasDependencies(dependsOn: DependsOn): boolean {
  return Object.values(dependsOn).some((deps) => deps.length > 0);
}

const NS = "http://www.w3.org/2000/svg";
const BOX_H = 30;
/** Room above the first row for arrows that jump a column (they arc over the boxes between). */
const TOP = 24;
const GAP_X = 60;
const GAP_Y = 14;

/** Draws the graph into `svg`: a box per service (coloured by state), an arrow per dependency. */
export function drawGraph(
  svg: SVGSVGElement,
  layout: GraphLayout,
  services: Map<string, ServiceInfo>,
): void {
  // Wide enough for the longest name beside the longest state (about 7 px a character).
  const longest = Math.max(0, ...layout.nodes.map((n) => n.name.length));
  const BOX_W = Math.max(140, longest * 7 + 90);
  const width = layout.columns * (BOX_W + GAP_X) - GAP_X + 2;
  const height = TOP + layout.rows * (BOX_H + GAP_Y) - GAP_Y + 2;
  svg.setAttribute("viewBox", `-1 -1 ${Math.max(width, 0)} ${Math.max(height, 0)}`);
  svg.setAttribute("width", String(Math.max(width, 0)));
  svg.setAttribute("height", String(Math.max(height, 0)));
  const at = new Map(
    layout.nodes.map((n) => [
      n.name,
      { x: n.column * (BOX_W + GAP_X), y: TOP + n.row * (BOX_H + GAP_Y), column: n.column },
    ]),
  );
  const children: SVGElement[] = [arrowHead()];
  for (const edge of layout.edges) {
    const from = at.get(edge.from)!;
    const to = at.get(edge.to)!;
    const path = element("path", {
      class: "edge",
      "data-from": edge.from,
      "data-to": edge.to,
      "marker-end": "url(#arrow)",
      d: curve(
        from.x + BOX_W,
        from.y + BOX_H / 2,
        to.x - 2,
        to.y + BOX_H / 2,
        to.column - from.column > 1,
      ),
    });
    path.append(title(`${edge.to} waits for ${edge.from} (${edge.condition})`));
    children.push(path);
  }
  for (const node of layout.nodes) {
    const { x, y } = at.get(node.name)!;
    const state = services.get(node.name)?.state ?? "unknown";
    const group = element("g", { class: `node state-${state}`, "data-service": node.name });
    group.append(
      title(`${node.name}: ${state}`),
      element("rect", { x, y, width: BOX_W, height: BOX_H, rx: 4 }),
      text(x + 10, y + BOX_H / 2, node.name, "name"),
      text(x + BOX_W - 8, y + BOX_H / 2, state, "state"),
    );
    children.push(group);
  }
  svg.replaceChildren(...children);
}

/** An S-curve to the next column; past more columns, an arc over the boxes between. */
function curve(x1: number, y1: number, x2: number, y2: number, over: boolean): string {
  if (over) {
    const top = Math.min(y1, y2) - BOX_H / 2 - TOP + 4;
    return `M${x1},${y1} C${x1 + 40},${top} ${x2 - 40},${top} ${x2},${y2}`;
  }
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
}

function arrowHead(): SVGElement {
  const marker = element("marker", {
    id: "arrow",
    viewBox: "0 0 10 10",
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto",
  });
  marker.append(element("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }));
  const defs = element("defs", {});
  defs.append(marker);
  return defs;
}

function text(x: number, y: number, value: string, className: string): SVGElement {
  const node = element("text", { x, y, class: className, "dominant-baseline": "middle" });
  node.textContent = value;
  return node;
}

function title(value: string): SVGElement {
  const node = element("title", {});
  node.textContent = value;
  return node;
}

function element(name: string, attributes: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(NS, name) as SVGElement;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}
