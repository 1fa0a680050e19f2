/**
 * What the control server needs from an app host. The host (src/host) implements it over
 * its supervisor; tests use `FakeTarget`. The server never reaches past this interface.
 */
import type { SupervisorEvent } from "../supervisor/events.js";
import type { HostInfo, LogEntry, ServiceInfo } from "./protocol.js";

export { ControlError } from "./errors.js";

/**
 * One running app host as the control socket sees it. Methods that name a service throw
 * `ControlError(RpcErrorCode.serviceNotFound, …)` for an unknown name, and
 * `ControlError(RpcErrorCode.shuttingDown, …)` for a start or restart while the host stops.
 */
export interface ControlTarget {
  info(): HostInfo;
  /** Every service, in config order; commands already masked, never environment values. */
  services(): ServiceInfo[];
  /** The supervisor's one event stream; returns a function that unsubscribes. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  /** The last `tail` lines of one service, or of all of them merged by time when undefined. */
  logs(service: string | undefined, tail: number): LogEntry[];
  startService(name: string): Promise<ServiceInfo>;
  stopService(name: string): Promise<ServiceInfo>;
  restartService(name: string): Promise<ServiceInfo>;
  /** Begins the host's shutdown and returns at once. */
  stopHost(): void;
}

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

/** `maskSecret` for several secrets at once. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = maskSecret(result, secret);
  return result;
}

/** How the secrets are masked in what goes out; one for the whole server. */
export class Masks {
  constructor(private readonly secrets: readonly string[]) {}

  text(text: string): string {
    return maskSecrets(text, this.secrets);
  }

  service(info: ServiceInfo): ServiceInfo {
    return {
      ...info,
      command: this.text(info.command),
      reason: info.reason === null ? null : this.text(info.reason),
    };
  }

  entry(entry: LogEntry): LogEntry {
    return { ...entry, text: this.text(entry.text) };
  }
}
