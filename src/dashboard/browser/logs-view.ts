import { ansiNodes } from "./ansi.js";
import type { PageLogLine } from "./api.js";

const MAX_LINES = 5000;
const COLOURS = ["#2563eb", "#db2777", "#0891b2", "#9333ea", "#ca8a04", "#059669", "#dc2626"];

/** A service's colour: the same name gets the same colour on every page. */
export function colourOf(name: string): string {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return COLOURS[Math.abs(hash) % COLOURS.length]!;
}

/** The log lines shown, filtered by text, following the end while `follow` is checked. */
export class LogsView {
  constructor(
    private readonly box: HTMLElement,
    private readonly filter: HTMLInputElement,
    private readonly follow: HTMLInputElement,
  ) {
    filter.addEventListener("input", () => {
      for (const line of box.children) (line as HTMLElement).hidden = !this.matches(line);
    });
  }

  clear(): void {
    this.box.replaceChildren();
  }

  add(lines: PageLogLine[]): void {
    const fragment = document.createDocumentFragment();
    for (const entry of lines) {
      const line = document.createElement("div");
      if (entry.stream === "stderr") line.className = "stderr";
      const name = document.createElement("span");
      name.className = "service";
      name.style.color = colourOf(entry.service);
      name.textContent = entry.service;
      line.append(name, ...ansiNodes(entry.text));
      line.hidden = !this.matches(line);
      fragment.append(line);
    }
    this.box.append(fragment);
    while (this.box.childElementCount > MAX_LINES) this.box.firstElementChild!.remove();
    if (this.follow.checked) this.box.scrollTop = this.box.scrollHeight;
  }

  private matches(line: Element): boolean {
    const filter = this.filter.value;
    return !filter || (line.textContent ?? "").includes(filter);
  }
}
