/** The page's stylesheet: light and dark themes follow the system. */
export const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1d1f23; --muted: #6b7280; --line: #e5e7eb;
  --ok: #15803d; --warn: #b45309; --bad: #b91c1c; --idle: #6b7280; --code: #f6f7f9; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181d; --fg: #e5e7eb; --muted: #9ca3af; --line: #2d3139;
    --ok: #4ade80; --warn: #fbbf24; --bad: #f87171; --idle: #9ca3af; --code: #1e2127; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 1em; align-items: baseline; padding: .75em 1.25em;
  border-bottom: 1px solid var(--line); }
main { padding: 0 1.25em 1.25em; }
h2 { font-size: 1em; margin: 1.25em 0 .5em; }
.muted { color: var(--muted); font-weight: normal; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3em .6em .3em 0; border-bottom: 1px solid var(--line);
  white-space: nowrap; }
td.reason { white-space: normal; }
.state-ready, .state-completed { color: var(--ok); }
.state-starting, .state-restarting, .state-stopping, .state-pending { color: var(--warn); }
.state-failed { color: var(--bad); }
.state-stopped { color: var(--idle); }
button { font: inherit; margin-right: .3em; }
.tools { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; margin-bottom: .5em; }
#filter:invalid { outline: 2px solid var(--bad); }
/* Rows of one fixed height (ROW_PX in browser/logs-view.ts): only those in view are drawn. */
#logs { font: 12px ui-monospace, monospace; background: var(--code); height: 60vh; contain: strict;
  overflow: auto; position: relative; overflow-anchor: none; }
#logs-space { width: 1px; }
#logs-rows { position: absolute; top: 0; left: 0; min-width: 100%; }
#logs .row { height: 18px; line-height: 18px; white-space: pre; padding: 0 .5em; }
#logs .time { display: inline-block; min-width: 13ch; color: var(--muted); }
#logs .service { display: inline-block; min-width: 8ch; margin-right: 1ch; }
#logs .stderr { color: var(--bad); }
#graph { display: block; max-width: 100%; overflow: visible; font-size: 12px; }
#graph rect { fill: var(--code); stroke: currentColor; }
#graph .name { fill: var(--fg); }
#graph .state { fill: currentColor; text-anchor: end; }
#graph .edge { fill: none; stroke: var(--muted); }
#graph .arrow { fill: var(--muted); }
#gone { margin: 1em 1.25em; padding: 1em; border: 1px solid var(--bad); color: var(--bad); }
`;
