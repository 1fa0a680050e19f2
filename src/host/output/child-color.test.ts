import { describe, expect, it } from "vitest";
import type { ServiceModel } from "../../model/app.js";
import { withForceColor } from "./child-color.js";

const service = (name: string, env: Record<string, string>) => ({ name, env }) as ServiceModel;

describe("withForceColor", () => {
  it("adds FORCE_COLOR to services whose env says nothing of colour", () => {
    const services = [
      service("web", { PORT: "3000" }),
      service("plain", { NO_COLOR: "1" }),
      service("own", { FORCE_COLOR: "0" }),
    ];
    expect(withForceColor(services, "2").map((s) => s.env)).toEqual([
      { PORT: "3000", FORCE_COLOR: "2" },
      { NO_COLOR: "1" },
      { FORCE_COLOR: "0" },
    ]);
    // The planned services themselves are left as they were.
    expect(services[0]!.env).toEqual({ PORT: "3000" });
  });

  it("changes nothing without a value", () => {
    const services = [service("web", {})];
    expect(withForceColor(services, undefined)).toBe(services);
  });
});
