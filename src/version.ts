import { readFileSync } from "node:fs";

/** berth's own version, from its package.json. */
export const berthVersion: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;
