import { describe, expect, test } from "vitest";
import { ConfigReadError, plainValue } from "./plain-value.js";

function readError(value: unknown): ConfigReadError {
  try {
    plainValue(value);
  } catch (error) {
    if (error instanceof ConfigReadError) return error;
    throw error;
  }
  throw new Error("expected a ConfigReadError");
}

describe("plainValue", () => {
  test("copies plain data, keeping RegExps and leaving other objects as found", () => {
    class Custom {}
    const custom = new Custom();
    const fn = () => 1;
    const value = { a: [1, "x", { b: true }], log: /up/i, custom, fn, none: null };
    const copy = plainValue(value) as typeof value;
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.a[2]).not.toBe(value.a[2]);
    expect(copy.log).toBeInstanceOf(RegExp);
    expect(copy.log.flags).toBe("i");
    expect(copy.custom).toBe(custom);
    expect(copy.fn).toBe(fn);
  });

  test("a value shared by two fields is not a cycle", () => {
    const shared = { command: "x" };
    expect(plainValue({ services: { a: shared, b: shared } })).toEqual({
      services: { a: shared, b: shared },
    });
  });

  test("reads a getter once: later reads see the same value", () => {
    let reads = 0;
    const copy = plainValue({
      get port() {
        reads += 1;
        return reads;
      },
    }) as { port: number };
    expect([copy.port, copy.port]).toEqual([1, 1]);
  });

  test("a throwing getter names the field", () => {
    const error = readError({
      services: {
        api: {
          get command(): string {
            throw new Error("boom");
          },
        },
      },
    });
    expect(error.where).toBe("services.api.command");
    expect(error.problem).toBe("reading it threw: boom");
    expect((error.cause as Error).message).toBe("boom");
  });

  test("a Proxy whose traps throw names the field", () => {
    const keys = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys");
        },
      },
    );
    expect(readError({ services: keys }).message).toBe("services: listing its keys threw: no keys");
    const type = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("no type");
        },
      },
    );
    expect(readError({ services: { api: type } }).message).toBe(
      "services.api: reading its type threw: no type",
    );
  });

  test("a cycle, and a Proxy that nests without end, are refused", () => {
    const cyclic: Record<string, unknown> = { name: "x" };
    cyclic.self = cyclic;
    expect(readError({ services: cyclic }).message).toBe(
      "services.self: it contains itself (a cycle)",
    );
    const handler: ProxyHandler<object> = {
      ownKeys: () => ["deeper"],
      getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
      get: () => new Proxy({}, handler),
    };
    const endless = new Proxy({}, handler);
    expect(readError(endless).problem).toBe("it nests deeper than 64 levels");
  });
});
