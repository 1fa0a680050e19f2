import { ansiNodes, plainText } from "./ansi.js";
import type { PageLogLine } from "./api.js";

/**
 * Every row is this tall (the CSS gives `#logs .row` the same height and no wrapping), so
 * the view knows where each line sits without measuring, and renders only the rows in view.
 */
export const ROW_PX = 18;
/** Rows rendered above and below the visible ones, so a small scroll shows no gap. */
const OVERSCAN = 30;
/** Lines kept in the page; past this plus a batch, the oldest go. */
const KEEP = 200_000;
const BATCH = 10_000;
/**
 * New lines are drawn at most this often. Each draw lays out, paints and rasterizes the whole
 * view again; at every frame (60 a second) a page following a busy service takes most of a
 * CPU core from that service (see bench/dashboard.mjs). Ten a second still reads as live.
 * Scrolling, resizing and filtering are drawn at the next frame.
 */
const LINES_DRAWN_EVERY_MS = 100;
/**
 * In a flood (more new lines between two draws than the view holds, so that no one reads
 * them as they pass) new lines are drawn four times a second.
 */
const FLOOD_DRAWN_EVERY_MS = 250;
const COLOURS = ["#2563eb", "#db2777", "#0891b2", "#9333ea", "#ca8a04", "#059669", "#dc2626"];

/** A service's colour: the same name gets the same colour on every page. */
export function colourOf(name: string): string {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return COLOURS[Math.abs(hash) % COLOURS.length]!;
}

interface Line extends PageLogLine {
  /** The text without escape sequences: what the filter looks at. */
  plain: string;
}

/** What the filter box says: a test for a line, or why the pattern is not one. */
export function lineFilter(
  pattern: string,
  regex: boolean,
): { test: (plain: string) => boolean } | { error: string } {
  if (!pattern) return { test: () => true };
  if (!regex) {
    const needle = pattern.toLowerCase();
    return { test: (plain) => plain.toLowerCase().includes(needle) };
  }
  try {
    const re = new RegExp(pattern);
    return { test: (plain) => re.test(plain) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * The live lines that a history (asked for after they started to come) does not hold
 * already: those after its last timed line, and at that same millisecond those it lacks.
 */
export function linesAfter(history: PageLogLine[], live: PageLogLine[]): PageLogLine[] {
  let last = -Infinity;
  for (let i = history.length - 1; i >= 0; i--) {
    const time = history[i]!.time;
    if (time !== null) {
      last = time;
      break;
    }
  }
  const key = (line: PageLogLine) => `${line.service}\0${line.text}`;
  const atLast = new Set(history.filter((line) => line.time === last).map(key));
  return live.filter(
    (line) =>
      line.time === null || line.time > last || (line.time === last && !atLast.has(key(line))),
  );
}

/** A line's time as the page shows it: local wall clock with milliseconds. */
export function timeOf(time: number | null): string {
  if (time === null) return "";
  const d = new Date(time);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

export interface LogsElements {
  /** The scrolling box; holds `space` (as tall as every line) and `rows` (those in view). */
  box: HTMLElement;
  space: HTMLElement;
  rows: HTMLElement;
  filter: HTMLInputElement;
  regex: HTMLInputElement;
  follow: HTMLInputElement;
  pause: HTMLButtonElement;
  count: HTMLElement;
  /** Says how many lines the host dropped for this page. */
  dropped: HTMLElement;
}

/**
 * The log lines: filtered by text or regex, following the end while `follow` is checked
 * (scrolling up unchecks it, scrolling to the end checks it again), and held back while
 * paused. Only the rows in view are in the DOM, so 100 000 lines scroll like 100.
 */
export class LogsView {
  private lines: Line[] = [];
  /** The lines that pass the filter, in order. */
  private shown: Line[] = [];
  /** Lines that came while paused. */
  private held: Line[] = [];
  private test: (plain: string) => boolean = () => true;
  private filterError: string | undefined;
  private frame = 0;
  /** A draw of new lines waiting for LINES_DRAWN_EVERY_MS to pass since the last draw. */
  private later: ReturnType<typeof setTimeout> | undefined;
  private drawnAt = -Infinity;
  /** Lines shown since the last draw, and how many rows the view held then. */
  private sinceDraw = 0;
  private rowsInView = 0;
  /** The lines whose rows are in the DOM, in order (kept when still in view). */
  private drawn: Line[] = [];
  private dropped = 0;

  constructor(private readonly el: LogsElements) {
    el.box.addEventListener("scroll", () => {
      const { box } = el;
      el.follow.checked = box.scrollTop + box.clientHeight >= box.scrollHeight - ROW_PX;
      this.schedule();
    });
    el.filter.addEventListener("input", () => this.refilter());
    el.regex.addEventListener("change", () => this.refilter());
    el.follow.addEventListener("change", () => this.schedule());
    el.pause.addEventListener("click", () => this.togglePause());
    new ResizeObserver(() => this.schedule()).observe(el.box);
  }

  get paused(): boolean {
    return this.el.pause.getAttribute("aria-pressed") === "true";
  }

  clear(): void {
    this.lines = [];
    this.shown = [];
    this.held = [];
    this.schedule();
  }

  add(lines: PageLogLine[]): void {
    const into = this.paused ? this.held : this.lines;
    for (const line of lines) {
      const { service, time, stream, text } = line;
      const prepared: Line = { service, time, stream, text, plain: plainText(text) };
      into.push(prepared);
      if (!this.paused && this.test(prepared.plain)) {
        this.shown.push(prepared);
        this.sinceDraw++;
      }
    }
    if (this.lines.length > KEEP + BATCH) {
      this.lines = this.lines.slice(-KEEP);
      this.shown = this.lines.filter((line) => this.test(line.plain));
    }
    this.scheduleLines();
  }

  /** Counts lines the host dropped for this page; shown with the next draw of lines. */
  missed(count: number): void {
    this.dropped += count;
    this.scheduleLines();
  }

  /** A draw for new lines: at the next frame, or once its interval since the last has passed. */
  private scheduleLines(): void {
    if (this.frame !== 0 || this.later !== undefined) return;
    const every = this.sinceDraw > this.rowsInView ? FLOOD_DRAWN_EVERY_MS : LINES_DRAWN_EVERY_MS;
    const wait = this.drawnAt + every - performance.now();
    if (wait <= 0) this.schedule();
    else
      this.later = setTimeout(() => {
        this.later = undefined;
        this.schedule();
      }, wait);
  }

  private togglePause(): void {
    const resume = this.paused;
    this.el.pause.setAttribute("aria-pressed", String(!resume));
    if (resume) {
      const held = this.held;
      this.held = [];
      this.add(held);
    }
    this.schedule();
  }

  private refilter(): void {
    const filter = lineFilter(this.el.filter.value, this.el.regex.checked);
    this.filterError = "error" in filter ? filter.error : undefined;
    this.el.filter.setCustomValidity(this.filterError ?? "");
    this.test = "test" in filter ? filter.test : () => true;
    this.shown = this.lines.filter((line) => this.test(line.plain));
    this.schedule();
  }

  /**
   * One render per frame, however many lines or scroll events came in it. A hidden page has
   * no frames, so it keeps the lines and draws nothing until it is shown again.
   */
  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = 0;
    this.drawnAt = performance.now();
    this.sinceDraw = 0;
    clearTimeout(this.later);
    this.later = undefined;
    const { box, space, rows, follow, pause, count, dropped } = this.el;
    const total = this.shown.length;
    space.style.height = `${total * ROW_PX}px`;
    if (follow.checked && !this.paused) box.scrollTop = box.scrollHeight;
    this.rowsInView = Math.ceil(box.clientHeight / ROW_PX);
    // Where the box will be: a filter that leaves fewer lines lowers it before it scrolls.
    const top = Math.min(box.scrollTop, Math.max(0, total * ROW_PX - box.clientHeight));
    const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
    const last = Math.min(total, Math.ceil((top + box.clientHeight) / ROW_PX) + OVERSCAN);
    rows.style.transform = `translateY(${first * ROW_PX}px)`;
    this.drawRows(this.shown.slice(first, last));
    const all = this.lines.length.toLocaleString("en");
    setText(
      count,
      this.filterError
        ? `invalid regex: ${this.filterError}`
        : total === this.lines.length
          ? `${all} lines`
          : `${total.toLocaleString("en")} of ${all} lines`,
    );
    if (this.dropped > 0)
      setText(dropped, `${this.dropped} lines missed (the log files have them)`);
    setText(pause, this.paused ? `resume (${this.held.length.toLocaleString("en")} new)` : "pause");
  }

  /**
   * Puts the rows of `lines` in the DOM. Following a service that writes a few lines, most
   * rows stay: those gone off the top are removed and the new ones added at the end, so only
   * the new ones are laid out. Anything else (a scroll, a filter) draws them all again.
   */
  private drawRows(lines: Line[]): void {
    const { rows } = this.el;
    const kept = lines.length > 0 ? this.drawn.indexOf(lines[0]!) : -1;
    const staying = kept < 0 ? 0 : this.drawn.length - kept;
    let same = staying <= lines.length;
    for (let i = 0; same && i < staying; i++) same = this.drawn[kept + i] === lines[i];
    if (kept >= 0 && same) {
      for (let i = 0; i < kept; i++) rows.firstElementChild!.remove();
      rows.append(...lines.slice(staying).map(row));
    } else {
      rows.replaceChildren(...lines.map(row));
    }
    this.drawn = lines;
  }
}

/** Changes an element's text only when it differs: an unchanged text costs no layout. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

function row(line: Line): HTMLElement {
  const div = document.createElement("div");
  div.className = line.stream === "stderr" ? "row stderr" : "row";
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = timeOf(line.time);
  const name = document.createElement("span");
  name.className = "service";
  name.style.color = colourOf(line.service);
  name.textContent = line.service;
  const text = document.createElement("span");
  text.className = "text";
  text.append(...ansiNodes(line.text));
  div.append(time, name, text);
  return div;
}
