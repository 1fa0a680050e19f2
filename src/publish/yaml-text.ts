import { Document, parse, Scalar, visit } from "yaml";

/**
 * YAML that Compose (YAML 1.1), Kubernetes and kustomize (YAML 1.2) all read the same: a
 * string that either version would take for something else (`no`, `on`, `0o17`, `1e3`)
 * is double-quoted. No folding, so each value stays on one line as written.
 */
export function yamlText(value: unknown): string {
  const document = new Document(value, {
    version: "1.1",
    // The library writes a "<<" value as YAML 1.1's merge key, bare, whatever its type.
    customTags: (tags) =>
      tags.filter((tag) => typeof tag === "string" || tag.tag !== "tag:yaml.org,2002:merge"),
  });
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      // A script reads best as written, and a literal block is taken as it is.
      if (/^[\x20-\x7e\n]*\n[\x20-\x7e\n]*$/.test(node.value)) node.type = Scalar.BLOCK_LITERAL;
      else if (!plainInBoth(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return document.toString({ lineWidth: 0 });
}

/**
 * Whether `text` may be written plain: of characters no YAML reader treats specially alone
 * (PyYAML takes `=` and `<<` for tags, and breaks on tabs and Unicode line separators), and
 * read back as itself by both versions.
 */
function plainInBoth(text: string): boolean {
  if (!/^[\w ./:@+,=()-]*$/.test(text) || text === "=" || text.startsWith("<<")) return false;
  return (["1.1", "1.2"] as const).every((version) => {
    try {
      return parse(text, { version, logLevel: "silent" }) === text;
    } catch {
      return false;
    }
  });
}
