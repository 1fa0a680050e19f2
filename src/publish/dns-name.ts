/**
 * A name as DNS, Compose and Kubernetes accept it (RFC 1123 label): lowercase letters,
 * digits and `-`, starting and ending with a letter or digit.
 *
 * @example dnsName("My_Api") // "my-api"
 */
export function dnsName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
