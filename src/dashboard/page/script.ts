/**
 * The page's script, as served (`/app.js`): plain browser JavaScript, no framework. It
 * reads `/api/host`, `/api/logs`, then follows `/api/events`; every value from the host is
 * put in the page with `textContent`, never as HTML.
 */
export const PAGE_JS = String.raw`
const $ = (selector) => document.querySelector(selector);
const services = new Map();
const MAX_LINES = 5000;
const colours = ["#2563eb", "#db2777", "#0891b2", "#9333ea", "#ca8a04", "#059669", "#dc2626"];
let csrf = "";
let dropped = 0;

async function api(path, init) {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function since(iso) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}

function readyIn(service) {
  if (!service.startedAt || !service.readyAt) return "";
  return Date.parse(service.readyAt) - Date.parse(service.startedAt) + " ms";
}

const pending = new Map();

function render() {
  const body = $("#services tbody");
  body.replaceChildren();
  for (const s of services.values()) {
    const row = body.insertRow();
    row.dataset.service = s.name;
    cell(row, s.name);
    cell(row, pending.get(s.name) ?? s.state, "state state-" + s.state);
    const url = row.insertCell();
    if (s.url) {
      const link = document.createElement("a");
      link.href = s.url;
      link.target = "_blank";
      link.rel = "noreferrer";
      link.textContent = s.url;
      url.append(link);
    }
    cell(row, readyIn(s));
    cell(row, String(s.restarts));
    cell(row, s.state === "ready" ? since(s.startedAt) : "");
    cell(row, s.exitCode === null ? "" : String(s.exitCode));
    cell(row, s.pid === null ? "" : String(s.pid));
    cell(row, s.reason, "reason");
    const actions = row.insertCell();
    for (const action of ["start", "stop", "restart"]) {
      const button = document.createElement("button");
      button.textContent = action;
      button.disabled = pending.has(s.name);
      button.addEventListener("click", () => act(s.name, action));
      actions.append(button);
    }
  }
}

async function act(name, action) {
  pending.set(name, action + "ing…");
  render();
  try {
    const { service } = await api("/api/services/" + encodeURIComponent(name) + "/" + action, {
      method: "POST",
      headers: { "x-berth-csrf": csrf },
    });
    services.set(service.name, service);
  } catch (error) {
    alert(name + ": " + error.message);
  } finally {
    pending.delete(name);
    render();
  }
}

function colourOf(name) {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return colours[Math.abs(hash) % colours.length];
}

function matches(line) {
  const filter = $("#filter").value;
  return !filter || line.textContent.includes(filter);
}

// ANSI colours: the 16 named ones in the theme's palette; 256 and RGB as written.
const ANSI = ["#000", "#c91b00", "#00a600", "#c7a400", "#2451d6", "#c930c7", "#00a5b4", "#bfbfbf",
  "#686868", "#ff6e67", "#3fcf3f", "#e8d400", "#6871ff", "#ff77ff", "#4ee5ed", "#fff"];
const CSI = /\x1b\[([0-9;?]*)([A-Za-z])/g;

function colour256(n) {
  if (n < 16) return ANSI[n];
  if (n >= 232) return "rgb(" + Array(3).fill(8 + (n - 232) * 10).join(",") + ")";
  const c = n - 16;
  const level = (v) => (v === 0 ? 0 : 55 + v * 40);
  return "rgb(" + [Math.floor(c / 36), Math.floor(c / 6) % 6, c % 6].map(level).join(",") + ")";
}

/** Applies one SGR sequence's codes to the current style. */
function sgr(style, codes) {
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0) for (const key of Object.keys(style)) delete style[key];
    else if (code === 1) style.fontWeight = "bold";
    else if (code === 2) style.opacity = "0.7";
    else if (code === 3) style.fontStyle = "italic";
    else if (code === 4) style.textDecoration = "underline";
    else if (code === 22) (delete style.fontWeight, delete style.opacity);
    else if (code === 23) delete style.fontStyle;
    else if (code === 24) delete style.textDecoration;
    else if (code >= 30 && code <= 37) style.color = ANSI[code - 30];
    else if (code >= 90 && code <= 97) style.color = ANSI[code - 90 + 8];
    else if (code === 39) delete style.color;
    else if (code >= 40 && code <= 47) style.background = ANSI[code - 40];
    else if (code >= 100 && code <= 107) style.background = ANSI[code - 100 + 8];
    else if (code === 49) delete style.background;
    else if (code === 38 || code === 48) {
      const key = code === 38 ? "color" : "background";
      if (codes[i + 1] === 5) {
        style[key] = colour256(codes[i + 2] ?? 0);
        i += 2;
      } else if (codes[i + 1] === 2) {
        style[key] = "rgb(" + codes.slice(i + 2, i + 5).join(",") + ")";
        i += 4;
      }
    }
  }
}

/** A line's text with its ANSI colours as styled spans; other escape sequences dropped. */
function ansi(text) {
  const parts = [];
  const style = {};
  let at = 0;
  const push = (chunk) => {
    if (!chunk) return;
    const keys = Object.keys(style);
    if (keys.length === 0) return parts.push(document.createTextNode(chunk));
    const span = document.createElement("span");
    for (const key of keys) span.style[key] = style[key];
    span.textContent = chunk;
    parts.push(span);
  };
  for (const match of text.matchAll(CSI)) {
    push(text.slice(at, match.index));
    at = match.index + match[0].length;
    if (match[2] === "m") sgr(style, match[1] === "" ? [0] : match[1].split(";").map(Number));
  }
  push(text.slice(at));
  return parts;
}

function addLines(lines) {
  const logs = $("#logs");
  const fragment = document.createDocumentFragment();
  for (const entry of lines) {
    const line = document.createElement("div");
    if (entry.stream === "stderr") line.className = "stderr";
    const name = document.createElement("span");
    name.className = "service";
    name.style.color = colourOf(entry.service);
    name.textContent = entry.service;
    line.append(name, ...ansi(entry.text));
    line.hidden = !matches(line);
    fragment.append(line);
  }
  logs.append(fragment);
  while (logs.childElementCount > MAX_LINES) logs.firstElementChild.remove();
  if ($("#follow").checked) logs.scrollTop = logs.scrollHeight;
}

/** The service whose lines are shown; "" for every service. */
function selected() {
  return $("#service").value;
}

function listServices() {
  const select = $("#service");
  const names = [...services.keys()];
  const shown = [...select.options].slice(1).map((option) => option.value);
  if (names.join("\n") === shown.join("\n")) return;
  const keep = select.value;
  select.replaceChildren(select.options[0]);
  for (const name of names) select.add(new Option(name, name));
  select.value = names.includes(keep) ? keep : "";
}

/** Recent lines of the selected service (older ones from its log file), or of all. */
async function loadLogs() {
  const service = selected();
  const query = service ? "&service=" + encodeURIComponent(service) : "";
  const { lines } = await api("/api/logs?tail=500" + query);
  $("#logs").replaceChildren();
  addLines(lines);
}

function gone(text) {
  const banner = $("#gone");
  banner.textContent = text;
  banner.hidden = false;
  for (const button of document.querySelectorAll("button")) button.disabled = true;
}

async function main() {
  let host;
  try {
    ({ host, csrf } = await api("/api/host"));
  } catch (error) {
    gone(error.message);
    return;
  }
  document.title = host.instanceName + " · berth";
  $("#project").textContent = host.instanceName;
  const showHost = () => ($("#host").textContent = "pid " + host.pid + " · up " + since(host.startedAt) + " · " + host.appHostPath);
  showHost();
  setInterval(() => {
    showHost();
    render();
  }, 5000);
  $("#filter").addEventListener("input", () => {
    for (const line of $("#logs").children) line.hidden = !matches(line);
  });
  $("#service").addEventListener("change", () => loadLogs());
  await loadLogs();
  const events = new EventSource("/api/events?logs=*");
  events.addEventListener("services", (event) => {
    services.clear();
    for (const s of JSON.parse(event.data).services) services.set(s.name, s);
    listServices();
    render();
  });
  events.addEventListener("service", (event) => {
    const { service } = JSON.parse(event.data);
    services.set(service.name, service);
    render();
  });
  events.addEventListener("logs", (event) => {
    const data = JSON.parse(event.data);
    if (data.dropped) {
      dropped += data.dropped;
      $("#dropped").textContent = dropped + " lines missed (the log files have them)";
    }
    const service = selected();
    addLines(service ? data.lines.filter((line) => line.service === service) : data.lines);
  });
  events.addEventListener("error", async () => {
    // The browser would retry for ever: ask once whether the host is still there.
    try {
      await api("/api/host");
    } catch {
      events.close();
      gone("The app host has stopped. Start it again with \`berth run\`, then open its new login link.");
    }
  });
}

main();
`;
