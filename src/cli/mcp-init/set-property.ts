import { findNodeAtLocation, type Node } from "jsonc-parser";

/** How the file lays out its JSON: one level of indentation, and its line end. */
export interface Layout {
  unit: string;
  eol: string;
}

/**
 * `text` with the property `key` of the object `node` (parsed from `text`) set to `value`,
 * changing only the characters of that property: an existing value is replaced where it
 * stands; a new property goes after the last one, on a line of its own when the object
 * puts its properties on lines of their own (at their indentation), else on the same line.
 * A comment ending the last property's line stays on that line. (jsonc-parser's own
 * `modify` reformats the property before the insertion point, so another server's
 * one-line entry would be rewritten.)
 *
 * @example
 * setProperty('{\n  "a": 1\n}\n', tree, "b", [2], { unit: "  ", eol: "\n" })
 * // '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}\n'
 */
export function setProperty(
  text: string,
  node: Node,
  key: string,
  value: unknown,
  layout: Layout,
): string {
  const current = findNodeAtLocation(node, [key]);
  const property = current?.parent;
  if (current && property) {
    const indent = ownsLine(text, property.offset) ? lineIndent(text, property.offset) : undefined;
    return splice(text, current.offset, current.length, render(value, indent, layout));
  }
  const last = node.children?.at(-1);
  if (!last) return intoEmpty(text, node, key, value, layout);
  const end = last.offset + last.length;
  const comma = skipBlanks(text, end);
  const hasComma = text[comma] === ",";
  const at = hasComma ? skipBlanks(text, comma + 1) : comma;
  if (!ownsLine(text, last.offset)) {
    // `{ "a": 1 }`: the new property joins the line, as compact as the others.
    const entry = `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    return hasComma ? splice(text, comma + 1, 0, ` ${entry}`) : splice(text, end, 0, `, ${entry}`);
  }
  const indent = lineIndent(text, last.offset);
  const lineEnd = restOfLineIsComment(text, at) ? endOfLine(text, at) : end;
  const entry = `${layout.eol}${indent}${JSON.stringify(key)}: ${render(value, indent, layout)}`;
  const withEntry = splice(text, lineEnd, 0, lineEnd === end && !hasComma ? `,${entry}` : entry);
  // Inserted after the comment ending the line: the comma goes right after the value.
  return lineEnd !== end && !hasComma ? splice(withEntry, end, 0, ",") : withEntry;
}

/** An object with no property yet: `{}`, `{ }`, or one holding only comments. */
function intoEmpty(text: string, node: Node, key: string, value: unknown, layout: Layout): string {
  const outer = lineIndent(text, node.offset);
  const indent = outer + layout.unit;
  const entry = `${JSON.stringify(key)}: ${render(value, indent, layout)}`;
  const close = node.offset + node.length - 1;
  const inner = text.slice(node.offset + 1, close);
  if (inner.trim() === "") {
    return splice(
      text,
      node.offset + 1,
      inner.length,
      `${layout.eol}${indent}${entry}${layout.eol}${outer}`,
    );
  }
  // Comments inside: the property goes after them, before the closing brace's line.
  const lastContent = node.offset + 1 + inner.trimEnd().length;
  return splice(text, lastContent, 0, `${layout.eol}${indent}${entry}`);
}

/** `value` as JSON, laid out from `indent` on (compact, on one line, without an indent). */
function render(value: unknown, indent: string | undefined, layout: Layout): string {
  if (indent === undefined) return JSON.stringify(value);
  return JSON.stringify(value, null, layout.unit).replaceAll("\n", `${layout.eol}${indent}`);
}

function splice(text: string, at: number, remove: number, insert: string): string {
  return text.slice(0, at) + insert + text.slice(at + remove);
}

function lineStart(text: string, offset: number): number {
  return Math.max(text.lastIndexOf("\n", offset - 1), text.lastIndexOf("\r", offset - 1)) + 1;
}

/** Whether only blanks stand before `offset` on its line. */
function ownsLine(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === "";
}

function lineIndent(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset)))![0];
}

function skipBlanks(text: string, at: number): number {
  while (text[at] === " " || text[at] === "\t") at++;
  return at;
}

function endOfLine(text: string, at: number): number {
  const ends = [text.indexOf("\n", at), text.indexOf("\r", at)].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : text.length;
}

/** Whether the line goes on with nothing but a `//` comment (or nothing) from `at`. */
function restOfLineIsComment(text: string, at: number): boolean {
  const rest = text.slice(at, endOfLine(text, at));
  return rest.trim() === "" || rest.startsWith("//");
}
