/**
 * berth's public entry: what a `berth.config.ts` imports.
 *
 * @example
 * import { defineConfig } from "berth";
 * export default defineConfig({ services: { api: { command: "node api.js" } } });
 */
export { defineConfig } from "./config/types.js";
export type {
  BerthConfig,
  Command,
  DependencyCondition,
  Duration,
  HttpReadyConfig,
  ReadyConfig,
  RestartConfig,
  RestartPolicy,
  ServiceConfig,
  StopSignal,
} from "./config/types.js";
