import { isBerthError, type BerthError } from "../../src/errors.js";

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** The `BerthError` `promise` rejects with; fails the test on anything else. */
export async function berthFailure(promise: Promise<unknown>): Promise<BerthError> {
  const error = await rejection(promise);
  if (!isBerthError(error)) throw new Error(`expected a BerthError, got ${String(error)}`);
  return error;
}
