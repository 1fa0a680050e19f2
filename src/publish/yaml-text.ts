import { Document, parse, Scalar, visit } from "yaml";

/**
 * YAML that Compose (YAML 1.1), Kubernetes and kustomize (YAML 1.2) all read the same: a
 * string that either version would take for something else (`no`, `on`, `0o17`, `1e3`)
 * is double-quoted. No folding, so each value stays on one line as written.
 */
export function yamlText(value: unknown): string {
  const document = new Document(value, { version: "1.1" });
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      // A script reads best as written, and a literal block is taken as it is.
      if (node.value.includes("\n")) node.type = Scalar.BLOCK_LITERAL;
      else if (!plainInBoth(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return document.toString({ lineWidth: 0 });
}

function plainInBoth(text: string): boolean {
  return (["1.1", "1.2"] as const).every((version) => {
    try {
      return parse(text, { version }) === text;
    } catch {
      return false;
    }
  });
}
