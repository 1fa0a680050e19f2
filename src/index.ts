/**
 * berth's public entry: what a `berth.config.ts` imports.
 *
 * @example
 * import { defineConfig } from "berth-dev";
 * export default defineConfig({ services: { api: { command: "node api.js" } } });
 */
export { defineConfig } from "./config/types.js";
export type {
  BerthConfig,
  BinaryConfig,
  BinaryServiceConfig,
  BuildConfig,
  Command,
  CommandServiceConfig,
  DashboardConfig,
  DependencyCondition,
  Duration,
  EnvFile,
  HttpReadyConfig,
  NodeArch,
  NodePlatform,
  PublishConfig,
  ReadyConfig,
  RestartConfig,
  RestartPolicy,
  ServiceConfig,
  ServiceOptions,
  StopSignal,
  WatchConfig,
} from "./config/types.js";
