import { stringify } from "yaml";

/**
 * YAML 1.1 as Compose's and Kubernetes' parsers read it, so `"no"`, `"on"` and `"0755"` stay
 * strings; no folding, so each value is on one line as written.
 */
export function yamlText(value: unknown): string {
  return stringify(value, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
}
