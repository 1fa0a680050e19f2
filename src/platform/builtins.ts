import { createRequire } from "node:module";

/**
 * Node modules loaded on first use rather than with the module that needs them. Each takes
 * milliseconds to load (crypto about six), and a short command such as `berth ps` would pay
 * for them at start-up whether or not it gets to the code that uses them. `require`, not
 * `import()`: it loads at once, and the CLI bundle is CommonJS.
 */
// Pure: a bundle that uses none of these (the launcher) leaves this module out.
const load = /* @__PURE__ */ createRequire(import.meta.url);

/** Only where no process is started otherwise: `berth ps` and `berth stop` need none. */
export const lazyChildProcess = () =>
  load("node:child_process") as typeof import("node:child_process");
export const lazyCrypto = () => load("node:crypto") as typeof import("node:crypto");
export const lazyHttp = () => load("node:http") as typeof import("node:http");
export const lazyHttps = () => load("node:https") as typeof import("node:https");
export const lazyTls = () => load("node:tls") as typeof import("node:tls");
