/**
 * `publish/`: the app model written as files for Docker Compose and Kubernetes
 * (docs/publish.md). Loaded by `berth publish` only, from a bundle of its own.
 */
export { publish, type PublishOptions, type PublishResult, type PublishTarget } from "./publish.js";
