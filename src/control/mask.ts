/** What the control socket sends, with the instance secret masked (see `maskSecret`). */
import { maskSecret } from "../model/mask-secret.js";
import type { ServiceInfo } from "./protocol.js";

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
