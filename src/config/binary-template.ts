/**
 * The single-brace placeholders of a binary's `url` and `path`: `{version}`, `{os}`,
 * `{arch}`, `{platform}`. They are filled in when the binary is fetched, before any port is
 * chosen, so they are kept apart from the `{{...}}` templates of the rest of the config.
 */
import { closest } from "./suggest.js";

export const BINARY_PLACEHOLDERS = ["version", "os", "arch", "platform"] as const;

export type BinaryPlaceholders = Record<(typeof BINARY_PLACEHOLDERS)[number], string>;

const placeholder = /\{([^{}]*)\}/g;

/**
 * Problems with the placeholders in `text`, as messages without a path; empty when it renders.
 *
 * @example binaryTemplateProblems("https://x/{verison}.tar.gz") // ["unknown placeholder {verison}; did you mean {version}? ..."]
 */
export function binaryTemplateProblems(text: string): string[] {
  const problems: string[] = [];
  if (text.includes("{{")) {
    problems.push(
      "binary URLs and paths take single-brace placeholders ({version}, {os}, {arch}, {platform}), not {{...}} templates: they are filled in before ports are chosen",
    );
    return problems;
  }
  for (const match of text.matchAll(placeholder)) {
    const name = match[1]!;
    if ((BINARY_PLACEHOLDERS as readonly string[]).includes(name)) continue;
    const guess = closest(name, BINARY_PLACEHOLDERS);
    const hint = guess ? `; did you mean {${guess}}?` : "";
    problems.push(
      `unknown placeholder {${name}}${hint} (known: ${BINARY_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
    );
  }
  return problems;
}

/**
 * Fills in the placeholders; text without them is returned as is.
 *
 * @example renderBinaryTemplate("pg-{version}-{platform}.tar.gz", { version: "16.2", os: "linux", arch: "x64", platform: "linux-x64" }) // "pg-16.2-linux-x64.tar.gz"
 */
export function renderBinaryTemplate(text: string, values: BinaryPlaceholders): string {
  return text.replace(placeholder, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as keyof BinaryPlaceholders] : whole,
  );
}
