import { terminalSafe } from "../../platform/terminal/terminal-text.js";

/** A run of a line's text with the CSS style its ANSI codes gave it. */
export interface Segment {
  text: string;
  style: Partial<Record<StyleKey, string>>;
}

type StyleKey = "color" | "background" | "fontWeight" | "opacity" | "fontStyle" | "textDecoration";

// The 16 named colours; 256-colour and RGB codes as written.
const NAMED = [
  "#000",
  "#c91b00",
  "#00a600",
  "#c7a400",
  "#2451d6",
  "#c930c7",
  "#00a5b4",
  "#bfbfbf",
  "#686868",
  "#ff6e67",
  "#3fcf3f",
  "#e8d400",
  "#6871ff",
  "#ff77ff",
  "#4ee5ed",
  "#fff",
];
// eslint-disable-next-line no-control-regex -- the escape is what is looked for
const CSI = /\x1b\[([0-9;?]*)([A-Za-z])/g;

function colour256(n: number): string {
  if (n < 16) return NAMED[n]!;
  if (n >= 232)
    return `rgb(${Array<number>(3)
      .fill(8 + (n - 232) * 10)
      .join(",")})`;
  const c = n - 16;
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return `rgb(${[Math.floor(c / 36), Math.floor(c / 6) % 6, c % 6].map(level).join(",")})`;
}

/** Applies one SGR sequence's codes to the current style. */
function sgr(style: Segment["style"], codes: number[]): void {
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) for (const key of Object.keys(style)) delete style[key as StyleKey];
    else if (code === 1) style.fontWeight = "bold";
    else if (code === 2) style.opacity = "0.7";
    else if (code === 3) style.fontStyle = "italic";
    else if (code === 4) style.textDecoration = "underline";
    else if (code === 22) {
      delete style.fontWeight;
      delete style.opacity;
    } else if (code === 23) delete style.fontStyle;
    else if (code === 24) delete style.textDecoration;
    else if (code >= 30 && code <= 37) style.color = NAMED[code - 30];
    else if (code >= 90 && code <= 97) style.color = NAMED[code - 90 + 8];
    else if (code === 39) delete style.color;
    else if (code >= 40 && code <= 47) style.background = NAMED[code - 40];
    else if (code >= 100 && code <= 107) style.background = NAMED[code - 100 + 8];
    else if (code === 49) delete style.background;
    else if (code === 38 || code === 48) {
      const key = code === 38 ? "color" : "background";
      if (codes[i + 1] === 5) {
        style[key] = colour256(codes[i + 2] ?? 0);
        i += 2;
      } else if (codes[i + 1] === 2) {
        style[key] = `rgb(${codes.slice(i + 2, i + 5).join(",")})`;
        i += 4;
      }
    }
  }
}

/**
 * A line's text split by its ANSI colours; other control sequences (a title's `ESC]0;…`, a
 * clear screen) are dropped as they are for a terminal.
 */
export function ansiSegments(line: string): Segment[] {
  const text = terminalSafe(line);
  const segments: Segment[] = [];
  const style: Segment["style"] = {};
  let at = 0;
  const push = (chunk: string) => {
    if (chunk) segments.push({ text: chunk, style: { ...style } });
  };
  for (const match of text.matchAll(CSI)) {
    push(text.slice(at, match.index));
    at = match.index + match[0].length;
    if (match[2] === "m") sgr(style, match[1] === "" ? [0] : match[1]!.split(";").map(Number));
  }
  push(text.slice(at));
  return segments;
}

/** The text a user sees: the line without its escape sequences. */
export function plainText(text: string): string {
  return terminalSafe(text).replace(CSI, "");
}

/** The segments as DOM nodes: a text node when unstyled, else a styled span. */
export function ansiNodes(text: string): Node[] {
  return ansiSegments(text).map(({ text: chunk, style }) => {
    const keys = Object.keys(style) as StyleKey[];
    if (keys.length === 0) return document.createTextNode(chunk);
    const span = document.createElement("span");
    for (const key of keys) span.style[key] = style[key]!;
    span.textContent = chunk;
    return span;
  });
}
