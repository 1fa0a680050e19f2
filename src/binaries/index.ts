/**
 * binaries/: versioned executables a service runs instead of a command. The host calls
 * `ensureBinary` for each binary service before planning, records the versions in
 * state.json and `recordBinaryUse`; `berth binaries` lists and prunes the cache.
 */
export {
  ensureBinary,
  type EnsureBinaryOptions,
  type EnsuredBinary,
  type BinaryLog,
} from "./ensure.js";
export { recordBinaryUse } from "./registry.js";
export { listBinaries, pruneBinaries, type CachedBinary, type PruneResult } from "./inventory.js";
export { binariesDir, type BinaryMarker } from "./cache.js";
