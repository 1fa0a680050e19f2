/**
 * The one masker of the instance secret: whatever berth shows or logs (a command, a reason,
 * a log line, what the control socket sends) shows it as `***` plus its last four characters.
 */

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
