/**
 * Ready checks as small Node scripts (`node -e`): a Compose health check runs one inside the
 * service's own container, a Kubernetes init container runs one to wait for a dependency
 * through its Service name. Only the Node image is sure to have a client for them.
 */
import type { ContainerReady } from "./app.js";

/** How long one probe may take before it counts as a failure. */
const PROBE_TIMEOUT_MS = 2000;

/** A JavaScript expression for a `Promise<boolean>`: whether `ready` passes against `host`. */
function probeExpression(ready: ContainerReady, host: string): string {
  if (ready.kind === "tcp") {
    return (
      `new Promise((ok) => { const s = require("node:net").connect(${ready.port}, ${JSON.stringify(host)}); ` +
      `s.setTimeout(${PROBE_TIMEOUT_MS}, () => { s.destroy(); ok(false); }); ` +
      `s.on("connect", () => { s.end(); ok(true); }).on("error", () => ok(false)); })`
    );
  }
  if (ready.kind !== "http") throw new Error(`a ${ready.kind} check has no Node probe`);
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${ready.port}${ready.path}`;
  const status =
    ready.status === undefined
      ? "r.status >= 200 && r.status < 400"
      : `r.status === ${ready.status}`;
  const body =
    ready.body === undefined ? "" : ` && (await r.text()).trim() === ${JSON.stringify(ready.body)}`;
  return (
    `fetch(${JSON.stringify(url)}, { redirect: "manual", signal: AbortSignal.timeout(${PROBE_TIMEOUT_MS}) })` +
    `.then(async (r) => ${status}${body})`
  );
}

/** Whether a check can run as a Node probe (HTTP and TCP; a command runs as itself). */
export function hasNodeProbe(ready: ContainerReady): boolean {
  return ready.kind === "http" || ready.kind === "tcp";
}

/**
 * A health check's script: exits 0 when the service in this container is ready. Written
 * without any whitespace: podman's Docker-compatible API (through 5.x) joins a `CMD` test
 * with spaces and splits it again on whitespace, which would cut a script with spaces into
 * several arguments (containers/podman#26519); a single word survives that, and needs no
 * shell in the image as `CMD-SHELL` would.
 */
export function healthScript(ready: ContainerReady): string {
  const host = "127.0.0.1";
  if (ready.kind === "tcp") {
    return (
      `require("node:net").connect(${ready.port},${word(host)})` +
      `.setTimeout(${PROBE_TIMEOUT_MS},()=>process.exit(1))` +
      `.on("connect",()=>process.exit(0)).on("error",()=>process.exit(1))`
    );
  }
  if (ready.kind !== "http") throw new Error(`a ${ready.kind} check has no Node probe`);
  const url = `http://${host}:${ready.port}${ready.path}`;
  const status =
    ready.status === undefined ? "r.status>=200&&r.status<400" : `r.status===${ready.status}`;
  const body = ready.body === undefined ? "" : `&&(await(r.text())).trim()===${word(ready.body)}`;
  return (
    `fetch(${word(url)},{redirect:"manual",signal:AbortSignal.timeout(${PROBE_TIMEOUT_MS})})` +
    `.then(async(r)=>${status}${body})` +
    `.then((ok)=>process.exit(ok?0:1),()=>process.exit(1))`
  );
}

/** A JavaScript string literal with no whitespace in it (escaped as `\uXXXX`). */
function word(value: string): string {
  return JSON.stringify(value).replace(
    /\s/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * An init container's script: waits, as long as it takes, until the service `host` is
 * ready, saying so every few seconds (Kubernetes shows it as the pod's init status).
 */
export function waitScript(ready: ContainerReady, host: string): string {
  return [
    `const ready = () => ${probeExpression(ready, host)}.catch(() => false);`,
    `(async () => {`,
    `  for (let i = 0; ; i++) {`,
    `    if (await ready()) process.exit(0);`,
    `    if (i % 5 === 0) console.log(${JSON.stringify(`waiting for ${host} to be ready`)});`,
    `    await new Promise((r) => setTimeout(r, 1000));`,
    `  }`,
    `})();`,
  ].join("\n");
}

/**
 * An init container's script: waits until the Job `job` has succeeded, asking the
 * Kubernetes API with the pod's service account (which may only read Jobs); exits 1 when
 * the Job has failed for good, so the pod does not start on a failed migration.
 */
export function waitForJobScript(job: string): string {
  return [
    `const fs = require("node:fs");`,
    `const https = require("node:https");`,
    `const account = "/var/run/secrets/kubernetes.io/serviceaccount";`,
    `const read = (name) => fs.readFileSync(account + "/" + name, "utf8").trim();`,
    `const job = ${JSON.stringify(job)};`,
    `const get = () => new Promise((ok, fail) => {`,
    `  const path = "/apis/batch/v1/namespaces/" + read("namespace") + "/jobs/" + job;`,
    `  const headers = { authorization: "Bearer " + read("token") };`,
    `  const options = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path, headers, ca: read("ca.crt"), timeout: 5000 };`,
    `  https.get(options, (res) => {`,
    `    let body = "";`,
    `    res.on("data", (chunk) => (body += chunk)).on("end", () => ok({ code: res.statusCode, body }));`,
    `  }).on("error", fail).on("timeout", function () { this.destroy(new Error("timed out")); });`,
    `});`,
    `(async () => {`,
    `  for (let i = 0; ; i++) {`,
    `    const res = await get().catch((error) => ({ code: error.message }));`,
    `    const status = res.code === 200 ? JSON.parse(res.body).status || {} : {};`,
    `    if (status.succeeded > 0) process.exit(0);`,
    `    if ((status.conditions || []).some((c) => c.type === "Failed" && c.status === "True")) {`,
    `      console.error("job " + job + " failed; this pod does not start");`,
    `      process.exit(1);`,
    `    }`,
    `    if (i % 5 === 0) console.log("waiting for job " + job + " to complete (" + res.code + ")");`,
    `    await new Promise((r) => setTimeout(r, 2000));`,
    `  }`,
    `})();`,
  ].join("\n");
}
