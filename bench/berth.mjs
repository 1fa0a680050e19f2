// How every bench gets berth: the built CLI (what a user runs) or, for a bench of one part,
// its TypeScript source. A bench never runs without berth: it stops here, loudly.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createJiti } from "jiti";

const repo = fileURLToPath(new URL("..", import.meta.url));

/** bin/berth.cjs, once its bundle is known to be built from the current source. */
export function berthCli() {
  const bundle = `${repo}dist/cli/berth.cjs`;
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    fail(`berth is not built (${bundle} is missing)`);
  }
  const newer = readdirSync(`${repo}src`, { recursive: true }).find(
    (file) => !file.endsWith(".test.ts") && statSync(`${repo}src/${file}`).mtimeMs > built,
  );
  if (newer !== undefined) fail(`${bundle} is older than src/${newer}`);
  return `${repo}bin/berth.cjs`;
}

/** A module of berth's source (`src/...ts`), compiled as it loads, for benches of one part. */
export function importSource(path) {
  return createJiti(import.meta.url).import(`${repo}src/${path}`);
}

function fail(reason) {
  console.error(`${reason}: run \`npm run build\` first, or the bench's own npm script.`);
  process.exit(1);
}
