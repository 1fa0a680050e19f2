import { createRequire } from "node:module";
import { berthVersion } from "../version.js";

/** Sent with every request: some hosts (GitHub's API) refuse requests without one. */
export const USER_AGENT = `berth/${berthVersion}`;

const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] as const;
const NO_PROXY_VARIABLES = ["NO_PROXY", "no_proxy"] as const;

type Undici = typeof import("undici");
// Pure: only a download through a proxy loads undici (outside the CLI bundle).
const load = /* @__PURE__ */ createRequire(import.meta.url);
let proxied: { key: string; dispatcher: InstanceType<Undici["EnvHttpProxyAgent"]> } | undefined;

/**
 * `fetch`, through the proxy the environment names, as curl and npm do: `HTTPS_PROXY` for
 * https URLs, `HTTP_PROXY` for http ones (either case), except for the hosts `NO_PROXY`
 * lists. Node's own fetch ignores these variables, and behind a company proxy a download
 * would otherwise just time out. Without them this is Node's fetch.
 */
export async function fetchWithProxy(url: string, init: RequestInit): Promise<Response> {
  if (PROXY_VARIABLES.every((name) => !process.env[name])) return fetch(url, init);
  const key = [...PROXY_VARIABLES, ...NO_PROXY_VARIABLES]
    .map((name) => process.env[name] ?? "")
    .join("\n");
  const undici = load("undici") as Undici;
  // Made again only when the variables change (tests change them; a CLI run does not).
  if (proxied?.key !== key) {
    // Not awaited: requests still on the old dispatcher finish first; a failed close (say,
    // already closed) leaves nothing to tell.
    proxied?.dispatcher.close().catch(() => {});
    proxied = { key, dispatcher: new undici.EnvHttpProxyAgent() };
  }
  const response = await undici.fetch(url, {
    ...(init as Parameters<Undici["fetch"]>[1]),
    dispatcher: proxied.dispatcher,
  });
  return response as unknown as Response;
}

const explanations: Record<string, string> = {
  ECONNREFUSED: "connection refused: nothing answers there (is the server down?)",
  ENOTFOUND: "host not found (offline, or a typo in the URL?)",
  EAI_AGAIN: "host name lookup failed (offline?)",
  ENETUNREACH: "network unreachable (offline?)",
  EHOSTUNREACH: "host unreachable (offline?)",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was cut off",
  UND_ERR_SOCKET: "the connection was cut off by the server",
  UND_ERR_HEADERS_TIMEOUT: "the server did not answer in time",
  UND_ERR_BODY_TIMEOUT: "the server stopped sending",
};

/**
 * A network failure in words, from the codes Node's fetch hides in `cause` chains
 * (`TypeError: fetch failed` → `ECONNREFUSED`).
 *
 * @example networkProblem(error) // "connection refused: nothing answers there (is the server down?)"
 */
export function networkProblem(error: unknown): string {
  const chain: unknown[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  for (const e of chain) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && explanations[code]) return explanations[code];
    if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS/.test(code)) {
      return `the server's TLS certificate was refused (${code})`;
    }
  }
  const deepest = chain.at(-1);
  return deepest instanceof Error ? deepest.message : String(error);
}

/** The first lines of an error body are often the best explanation a server gives. */
export async function bodyHint(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  return line === "" || line.startsWith("<") ? "" : `: ${line.slice(0, 200)}`;
}
