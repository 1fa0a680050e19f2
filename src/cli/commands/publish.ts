import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../../version.js";
import type { PublishCommandOptions } from "../publish-command.js";

type PublishBundle = typeof import("../publish-command.js");

/**
 * `berth publish`: runs the command from its own bundle (dist/cli/publish.cjs), required by
 * path, so no other command parses the YAML library and the Kubernetes models.
 */
export function publishCommand(options: PublishCommandOptions): Promise<number> {
  const require = createRequire(import.meta.url);
  const bundle = require(join(packageRoot, "dist", "cli", "publish.cjs")) as PublishBundle;
  return bundle.publishCommand(options);
}
