import type { Hono } from "hono";
import type { GuardVariables } from "./guard.js";
import { PAGE_HTML } from "./page/html.js";
import { PAGE_CSS } from "./page/style.js";
import { pageScript } from "./page-script.js";

/** The page and its two assets, behind the same guard as the API. */
export function servePages(app: Hono<{ Variables: GuardVariables }>): void {
  const files: [string, () => string | Promise<string>, string][] = [
    ["/", () => PAGE_HTML, "text/html; charset=utf-8"],
    ["/app.js", pageScript, "text/javascript; charset=utf-8"],
    ["/app.css", () => PAGE_CSS, "text/css; charset=utf-8"],
  ];
  for (const [path, body, type] of files) {
    app.get(path, async (c) => c.body(await body(), 200, { "content-type": type }));
  }
}
