/**
 * The dashboard's one page. Plain HTML, a stylesheet and a script, all served by the host
 * (no CDN, no inline script: the CSP forbids it); every value is set with `textContent`.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>berth</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<header>
  <strong id="project">berth</strong>
  <span id="host" class="muted"></span>
</header>
<div id="gone" hidden></div>
<main>
  <section>
    <h2>Services</h2>
    <table id="services">
      <thead><tr>
        <th>name</th><th>state</th><th>url</th><th>ready in</th><th>restarts</th>
        <th>uptime</th><th>exit</th><th>pid</th><th>reason</th><th></th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section id="graph-section" hidden>
    <h2>Dependencies <span class="muted">(an arrow points from a service to what waits for it)</span></h2>
    <svg id="graph" role="img" aria-label="dependency graph"></svg>
  </section>
  <section>
    <h2>Logs <span id="dropped" class="muted"></span></h2>
    <div class="tools">
      <select id="service" aria-label="service"><option value="">all services</option></select>
      <input id="filter" type="search" placeholder="filter" aria-label="filter">
      <label title="the filter is a regular expression"><input id="regex" type="checkbox"> regex</label>
      <label><input id="follow" type="checkbox" checked> follow</label>
      <button id="pause" type="button" aria-pressed="false">pause</button>
      <span id="count" class="muted" aria-live="polite"></span>
    </div>
    <div id="logs" role="log"><div id="logs-space"></div><div id="logs-rows"></div></div>
  </section>
</main>
</body>
</html>
`;
