/**
 * The one masker of the instance secret: whatever berth shows of a service (its command,
 * a reason, a log line) shows the secret as `***` plus its last four characters.
 */
import type { ServiceInfo } from "./protocol.js";

/**
 * Masks every occurrence of `secret` in `text` as `***` plus the secret's last four
 * characters, so a user can still tell which secret it was. A secret of four characters or
 * fewer becomes `***` alone (its last four would be all of it); an empty one masks nothing.
 *
 * @example
 * maskSecret("server --admin-key 9f86d081884c7d65", "9f86d081884c7d65"); // "server --admin-key ***7d65"
 */
export function maskSecret(text: string, secret: string): string {
  if (!secret || !text.includes(secret)) return text;
  const masked = secret.length > 4 ? `***${secret.slice(-4)}` : "***";
  return text.split(secret).join(masked);
}

/** How the secrets are masked in what the control socket sends; one for the whole server. */
export class Masks {
  constructor(private readonly secrets: readonly string[]) {}

  text(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = maskSecret(result, secret);
    return result;
  }

  service(info: ServiceInfo): ServiceInfo {
    return {
      ...info,
      command: this.text(info.command),
      reason: info.reason === null ? null : this.text(info.reason),
    };
  }
}
