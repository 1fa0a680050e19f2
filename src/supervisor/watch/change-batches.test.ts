import { describe, expect, test } from "vitest";
import { ManualClock } from "../../clock.js";
import { ChangeBatches } from "./change-batches.js";

function batches(quietMs = 300) {
  const clock = new ManualClock();
  const acted: string[][] = [];
  let finish: () => void = () => {};
  const errors: Error[] = [];
  const changes = new ChangeBatches({
    clock,
    quietMs,
    act: (files) => {
      acted.push(files);
      return new Promise<void>((resolve) => (finish = resolve));
    },
    onError: (error) => errors.push(error),
  });
  return { clock, acted, changes, errors, finish: () => finish() };
}

describe("ChangeBatches", () => {
  test("a burst of changes is one batch, once the quiet time has passed", async () => {
    const { clock, acted, changes } = batches();
    changes.add("src/a.ts");
    await clock.advance(200);
    changes.add("src/b.ts");
    changes.add("src/a.ts");
    await clock.advance(299);
    expect(acted).toEqual([]);
    await clock.advance(1);
    expect(acted).toEqual([["src/a.ts", "src/b.ts"]]);
  });

  test("changes made while a batch is acted on make the next one, after it", async () => {
    const { clock, acted, changes, finish } = batches();
    changes.add("a");
    await clock.advance(300);
    changes.add("b");
    await clock.advance(1_000);
    expect(acted).toEqual([["a"]]);
    finish();
    await clock.advance(0);
    expect(acted).toEqual([["a"], ["b"]]);
  });

  test("close drops what is pending", async () => {
    const { clock, acted, changes } = batches();
    changes.add("a");
    changes.close();
    changes.add("b");
    await clock.advance(1_000);
    expect(acted).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  test("a failed act is reported, and the next batch still runs", async () => {
    const clock = new ManualClock();
    const errors: string[] = [];
    const acted: string[][] = [];
    const changes = new ChangeBatches({
      clock,
      quietMs: 10,
      act: (files) => {
        acted.push(files);
        return Promise.reject(new Error("cannot restart"));
      },
      onError: (error) => errors.push(error.message),
    });
    changes.add("a");
    await clock.advance(10);
    changes.add("b");
    await clock.advance(10);
    expect(acted).toEqual([["a"], ["b"]]);
    expect(errors).toEqual(["cannot restart", "cannot restart"]);
  });
});
