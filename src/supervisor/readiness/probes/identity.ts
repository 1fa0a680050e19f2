import { BerthError } from "../../../errors.js";
import { truncate } from "../describe.js";

/**
 * The error for "something answers on the port, but as another instance": waiting longer
 * cannot help, so it ends the wait at once instead of running out the timeout.
 *
 * @param url the URL that answered
 * @param got the body it answered with
 * @param expected the body berth expects (this project's instance name)
 */
export function identityMismatch(url: string, got: string, expected: string): BerthError {
  const port = new URL(url).port;
  const answer = got.trim() === "" ? "an empty body" : JSON.stringify(truncate(got.trim()));
  return new BerthError(
    "IDENTITY_MISMATCH",
    `Port ${port} answers as a different instance: ${url} returned ${answer}, ` +
      `expected ${JSON.stringify(expected.trim())}. Another copy of this service ` +
      `(from another berth instance or checkout) is probably still running there. ` +
      `Stop that instance, or free port ${port}, then start again.`,
  );
}
