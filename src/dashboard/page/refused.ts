import { createHash } from "node:crypto";

/**
 * The page a person sees when the dashboard refuses them (not logged in, a used link, a
 * foreign address): what happened, and how to get in: `berth dashboard` prints a fresh
 * login link. Standalone: the page's stylesheet is behind the login, so the style is
 * inline, allowed by its hash in the CSP (`REFUSED_CSP`), and nothing else may load.
 */
export function refusedPage(status: 401 | 403 | 405, message: string): string {
  const heading = status === 401 ? "Not logged in" : "Refused";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>berth · ${heading.toLowerCase()}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${heading}</h1>
<p id="reason">${inlineCode(message)}</p>
<h2>Get a fresh login link</h2>
<p>In the project's folder, run</p>
<pre>berth dashboard</pre>
<p>It prints a new link to this dashboard and opens it in your browser. Each link logs in
once; <code>berth ps</code> shows the current one too.</p>
</main>
</body>
</html>
`;
}

const STYLE = `:root { color-scheme: light dark; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; }
main { max-width: 36em; margin: 4em auto; padding: 0 1.25em; }
h1 { font-size: 1.4em; } h2 { font-size: 1em; margin-top: 2em; }
pre, code { font: 14px ui-monospace, monospace; }
pre { padding: .75em 1em; border: 1px solid #8884; border-radius: 4px; }`;

/** The refused page's CSP: its own inline style, nothing else. */
export const REFUSED_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/** Escapes the text, showing `quoted` parts (commands) as code. */
function inlineCode(text: string): string {
  return escape(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
