/**
 * What the control tests share: a secret to see masked, the services of a fake host that
 * carry it, and the framing of a hand-written answer.
 */
import type { FakeTargetOptions } from "./fake-target.js";

/** An instance secret; hosts mask it as `***0a08`. */
export const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/** Two services, one with the secret in its command. */
export const SERVICES: FakeTargetOptions["services"] = {
  api: { command: `node api.js --admin-key ${SECRET}`, port: 3000 },
  worker: { command: "node worker.js", port: null, url: null },
};

/** One JSON-RPC message with its Content-Length header, as a misbehaving host writes it. */
export function frame(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
