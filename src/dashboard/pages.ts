import type { Hono } from "hono";
import type { GuardVariables } from "./guard.js";
import { PAGE_HTML } from "./page/html.js";
import { PAGE_JS } from "./page/script.js";
import { PAGE_CSS } from "./page/style.js";

/** The page and its two assets, behind the same guard as the API. */
export function servePages(app: Hono<{ Variables: GuardVariables }>): void {
  const files: [string, string, string][] = [
    ["/", PAGE_HTML, "text/html; charset=utf-8"],
    ["/app.js", PAGE_JS, "text/javascript; charset=utf-8"],
    ["/app.css", PAGE_CSS, "text/css; charset=utf-8"],
  ];
  for (const [path, body, type] of files) {
    app.get(path, (c) => c.body(body, 200, { "content-type": type }));
  }
}
