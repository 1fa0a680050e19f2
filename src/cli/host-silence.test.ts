import { describe, expect, test } from "vitest";
import { ManualClock } from "../clock.js";
import { watchHostSilence } from "./host-silence.js";

function setup() {
  const clock = new ManualClock();
  const said: string[] = [];
  let answers = true;
  let probes = 0;
  const silence = watchHostSilence({
    probe: () => {
      probes += 1;
      return answers ? Promise.resolve() : Promise.reject(new Error("no answer"));
    },
    host: "the app host (pid 42)",
    say: (text) => said.push(text),
    clock,
    quietMs: 5000,
  });
  return {
    clock,
    said,
    silence,
    probes: () => probes,
    setAnswers: (value: boolean) => (answers = value),
  };
}

describe("watchHostSilence", () => {
  test("asks nothing while lines keep coming", async () => {
    const { clock, silence, probes, said } = setup();
    for (let i = 0; i < 10; i++) {
      await clock.advance(4000);
      silence.heard();
    }
    expect(probes()).toBe(0);
    expect(said).toEqual([]);
    silence.dispose();
  });

  test("a quiet host that answers is left alone", async () => {
    const { clock, silence, probes, said } = setup();
    await clock.advance(5000);
    await clock.advance(5000);
    expect(probes()).toBe(2);
    expect(said).toEqual([]);
    silence.dispose();
  });

  test("says once that the host stopped answering, and once that it answers again", async () => {
    const { clock, silence, said, setAnswers } = setup();
    setAnswers(false);
    await clock.advance(5000);
    await clock.advance(5000);
    await clock.advance(5000);
    expect(said).toEqual([
      "the app host (pid 42) stopped answering (it may be paused or overloaded); still following, Ctrl-C to stop",
    ]);
    setAnswers(true);
    await clock.advance(5000);
    expect(said.at(-1)).toBe("the app host (pid 42) answers again");
    expect(said).toHaveLength(2);
    silence.dispose();
  });

  test("a line from a silent host counts as an answer; nothing after dispose", async () => {
    const { clock, silence, said, setAnswers, probes } = setup();
    setAnswers(false);
    await clock.advance(5000);
    silence.heard();
    expect(said.at(-1)).toBe("the app host (pid 42) answers again");
    silence.dispose();
    await clock.advance(60_000);
    expect(probes()).toBe(1);
    expect(clock.pending).toBe(0);
  });
});
