import { describe, expect, it } from "vitest";
import { maskSecret } from "../model/mask-secret.js";
import { Masks } from "./mask.js";

const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

describe("maskSecret", () => {
  it("masks every occurrence as *** plus the last four characters", () => {
    expect(maskSecret(`--key ${SECRET} --again=${SECRET}`, SECRET)).toBe(
      "--key ***0a08 --again=***0a08",
    );
  });

  it("masks inside words and URLs too", () => {
    expect(maskSecret(`http://admin:${SECRET}@127.0.0.1:8080/`, SECRET)).toBe(
      "http://admin:***0a08@127.0.0.1:8080/",
    );
  });

  it("leaves text without the secret as it is", () => {
    expect(maskSecret("node api.js", SECRET)).toBe("node api.js");
    expect(maskSecret(SECRET.slice(0, 20), SECRET)).toBe(SECRET.slice(0, 20));
  });

  it("shows nothing of a secret of four characters or fewer, and masks nothing for an empty one", () => {
    expect(maskSecret("pin 1234 ok", "1234")).toBe("pin *** ok");
    expect(maskSecret("anything", "")).toBe("anything");
  });

  it("masks several secrets", () => {
    expect(new Masks([SECRET, "hunter2hunter2"]).text(`a=${SECRET} b=hunter2hunter2`)).toBe(
      "a=***0a08 b=***ter2",
    );
  });
});
