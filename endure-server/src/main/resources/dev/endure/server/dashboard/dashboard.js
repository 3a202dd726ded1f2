// Endure dashboard: plain JavaScript over the JSON API, no build step. The API key stays in this
// tab's sessionStorage (or arrives once in the URL fragment, which browsers never send to servers).
"use strict";

const KEY_STORE = "endure.apiKey";
const REFRESH_MS = 2000;
const PAGE_SIZE = 50;
const STATES = ["PENDING", "IN_FLIGHT", "HELD", "FAILED", "DELIVERED"];
// The chart shows the queue: what waits, what is being sent, what is held. Delivered and failed only ever
// grow (totals), so plotting them would hide the queue under a rising line.
const QUEUE_STATES = ["PENDING", "IN_FLIGHT", "HELD"];
const COLORS = { PENDING: "#e8a317", IN_FLIGHT: "#1a73e8", HELD: "#80868b" };

let apiKey = null;
let chart = null;
let timer = null;
let drawer = null;              // {kind: "delivery" | "endpoint", id}
let endpointIds = [];
// Paging: the cursor of every page visited, so "Newer" goes back exactly; page 0 is the newest.
const paging = { cursors: [null], index: 0, next: null };

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "onclick") node.addEventListener("click", value);
    else if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function when(iso) {
  if (!iso) return "—";
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const span = abs < 60 ? abs + " s" : abs < 3600 ? Math.round(abs / 60) + " min" : Math.round(abs / 3600) + " h";
  return seconds >= 0 ? "in " + span : span + " ago";
}

function time(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: Object.assign({ "Authorization": "Bearer " + apiKey }, body ? { "Content-Type": "application/json" } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (response.status === 401) { forgetKey("That key was refused (401)."); throw new Error("unauthorized"); }
  if (!response.ok) throw new Error(json.message || ("HTTP " + response.status));
  return json;
}

function flash(text, isError) {
  const node = $("flash");
  node.textContent = text;
  node.className = isError ? "error" : "";
}

function emptyRow(columns, text, testId) {
  return el("tr", {}, el("td", { colspan: columns, class: "empty", "data-testid": testId }, text));
}

function stateBadge(text, cssKey) {
  return el("span", { class: "state state-" + (cssKey || text) }, text.replace("_", " ").toLowerCase());
}

function lastResult(d) {
  return d.lastStatus ? "HTTP " + d.lastStatus : (d.lastError || "—");
}

function renderCounts(counts) {
  $("counts").replaceChildren(...STATES.map(state => el("div", { class: "count", "data-testid": "count-" + state },
    el("div", { class: "n" }, counts[state] ?? 0), el("div", { class: "label" }, state.replace("_", " ")))));
}

function renderChart(history) {
  $("chart-empty").hidden = history.length >= 2;
  if (typeof Chart === "undefined") return;
  const labels = history.map(p => new Date(p.at).toLocaleTimeString());
  const datasets = QUEUE_STATES.map(state => ({
    label: state.replace("_", " ").toLowerCase(), data: history.map(p => p[state] ?? 0),
    borderColor: COLORS[state], backgroundColor: COLORS[state], pointRadius: 0, tension: 0.2,
  }));
  if (chart === null) {
    chart = new Chart($("depth-chart"), {
      type: "line", data: { labels, datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "deliveries" } } },
        plugins: { legend: { position: "right" } } },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets.forEach((dataset, i) => { dataset.data = datasets[i].data; });
    chart.update();
  }
}

function renderEndpoints(endpoints) {
  const filter = $("filter-endpoint");
  const ids = endpoints.map(ep => ep.id);
  if (ids.join("\n") !== endpointIds.join("\n")) {
    endpointIds = ids;
    const chosen = filter.value;
    filter.replaceChildren(el("option", { value: "" }, "any"), ...ids.map(id => el("option", { value: id }, id)));
    filter.value = ids.includes(chosen) ? chosen : "";
  }
  if (endpoints.length === 0) {
    $("endpoints").tBodies[0].replaceChildren(emptyRow(8, "No endpoints yet: create one with POST /api/endpoints (see the server README).",
      "endpoints-empty"));
    return;
  }
  $("endpoints").tBodies[0].replaceChildren(...endpoints.map(ep => {
    const stats = ep.stats || {};
    const actions = el("td", {});
    if (!ep.enabled) {
      actions.append(el("button", { "data-testid": "enable-" + ep.id, onclick: event => { event.stopPropagation(); enable(ep.id); } }, "Enable"));
    }
    actions.append(" ", el("button", { "data-testid": "replay-endpoint-" + ep.id, title: "Replay this endpoint's failures of the last 24 h",
      onclick: event => { event.stopPropagation(); replayEndpoint(ep.id); } }, "Replay failures"));
    return el("tr", { class: "clickable", "data-testid": "endpoint-" + ep.id, onclick: () => openDrawer("endpoint", ep.id) },
      el("td", { class: "mono" }, ep.id),
      el("td", { class: "mono" }, ep.url),
      el("td", {}, stateBadge(ep.enabled ? "enabled" : "disabled"),
        ep.enabled ? null : el("span", { class: "reason", "data-testid": "disabled-reason-" + ep.id }, ep.disabledReason || "")),
      el("td", {}, ep.breaker ? stateBadge(ep.breaker) : "—"),
      el("td", {}, stats.attemptsInWindow ? Math.round(stats.successRate * 100) + " % of " + stats.attemptsInWindow : "—"),
      el("td", {}, stats.lastError || "—"),
      el("td", {}, when(stats.nextAttemptAt)),
      actions);
  }));
}

function renderOperatorEvents(operator) {
  $("operator-status").textContent = operator.enabled
    ? "Sent to " + operator.url + " (endpoint " + operator.endpointId + "): " + operator.sent + " stored for delivery"
      + (operator.waiting ? ", " + operator.waiting + " waiting for the store" : "")
      + (operator.dropped ? ", " + operator.dropped + " dropped while the store was down" : "")
    : "Off: set operator.webhookUrl and operator.secret to be told.";
  if (operator.events.length === 0) {
    $("operator-events").tBodies[0].replaceChildren(emptyRow(5, "No operational events.", "operator-events-empty"));
    return;
  }
  $("operator-events").tBodies[0].replaceChildren(...operator.events.map((e, i) =>
    el("tr", { "data-testid": "operator-event-" + i },
      el("td", {}, time(e.timestamp)),
      el("td", { class: "mono" }, e.type),
      el("td", { class: "mono" }, e.endpointId),
      el("td", { class: "mono" }, e.messageId || "—"),
      el("td", {}, e.reason || ""))));
}

function deliveryQuery() {
  const params = new URLSearchParams({ limit: PAGE_SIZE });
  if ($("filter-state").value) params.set("state", $("filter-state").value);
  if ($("filter-endpoint").value) params.set("endpoint", $("filter-endpoint").value);
  if ($("filter-event").value.trim()) params.set("eventType", $("filter-event").value.trim());
  if ($("filter-since").value) params.set("since", new Date(Date.now() - Number($("filter-since").value) * 1000).toISOString());
  const cursor = paging.cursors[paging.index];
  if (cursor) params.set("cursor", cursor);
  return "/api/messages?" + params;
}

function filtered() {
  return ["filter-state", "filter-endpoint", "filter-event", "filter-since"].some(id => $(id).value.trim() !== "");
}

function renderDeliveries(page) {
  paging.next = page.nextCursor;
  const rows = page.data.map(d => {
    const actions = el("td", {});
    if (d.state === "FAILED") {
      actions.append(el("button", { "data-testid": "replay-" + d.id, onclick: event => { event.stopPropagation();
        act("POST", "/api/deliveries/" + d.id + "/replay", null, () => "Replaying delivery " + d.id); } }, "Replay"));
    }
    return el("tr", { class: "clickable", "data-testid": "delivery-" + d.id, "data-state": d.state, "data-endpoint": d.endpointId,
      "data-event": d.eventType || "", onclick: () => openDrawer("delivery", d.id) },
      el("td", { class: "mono" }, d.messageId),
      el("td", {}, d.eventType || ""),
      el("td", { class: "mono" }, d.endpointId),
      el("td", {}, stateBadge(d.state), d.terminalReason ? el("span", { class: "reason" }, d.terminalReason) : null),
      el("td", {}, d.attempts),
      el("td", {}, lastResult(d)),
      el("td", { title: time(d.createdAt) }, when(d.createdAt)),
      actions);
  });
  if (rows.length === 0) {
    rows.push(emptyRow(8, filtered() ? "No deliveries match these filters." : "No deliveries yet: send a message with POST /api/messages or endure send.",
      "deliveries-empty"));
  }
  $("deliveries").tBodies[0].replaceChildren(...rows);
  const first = paging.index * PAGE_SIZE + 1;
  $("page-label").textContent = page.data.length === 0 ? "" : "page " + (paging.index + 1) + " · deliveries " + first + "–"
    + (first + page.data.length - 1) + (page.nextCursor ? "" : " (the oldest)");
  $("page-older").disabled = !page.nextCursor;
  $("page-newer").disabled = paging.index === 0;
  $("page-newest").disabled = paging.index === 0;
}

async function loadDeliveries() {
  renderDeliveries(await api("GET", deliveryQuery()));
}

function field(label, value, testId) {
  return [el("dt", {}, label), el("dd", { "data-testid": testId || null }, value === null || value === undefined || value === "" ? "—" : value)];
}

async function renderDeliveryDrawer(id) {
  const d = await api("GET", "/api/deliveries/" + id);
  $("drawer-title").replaceChildren("Delivery ", el("span", { class: "mono" }, d.id), " ", stateBadge(d.state));
  const endpointLink = el("a", { href: "#", onclick: event => { event.preventDefault(); openDrawer("endpoint", d.endpointId); } }, d.endpointId);
  const facts = el("dl", { class: "facts" }, ...field("Message", d.messageId), ...field("Event type", d.eventType),
    ...field("Endpoint", endpointLink), ...field("Attempts", d.attempts.length), ...field("Created", time(d.createdAt)),
    ...field("Next attempt", d.nextAttemptAt ? when(d.nextAttemptAt) : null), ...field("Finished", d.finishedAt ? time(d.finishedAt) : null),
    ...field("Reason", d.terminalReason, "delivery-reason"), ...field("Idempotency key", d.idempotencyKey));
  const attempts = d.attempts.length === 0
    ? el("p", { class: "empty", "data-testid": "attempts-empty" }, d.state === "HELD"
      ? "Not attempted: held because its endpoint is disabled. Enable the endpoint to resume." : "No attempt yet.")
    : el("table", { "data-testid": "attempts" },
      el("thead", {}, el("tr", {}, ...["#", "Started", "Latency", "HTTP", "Outcome", "Error", "Response", "Next attempt"].map(h => el("th", {}, h)))),
      el("tbody", {}, ...d.attempts.map(a => el("tr", { "data-testid": "attempt-" + a.number },
        el("td", {}, a.number), el("td", {}, new Date(a.startedAt).toLocaleTimeString()),
        el("td", { "data-testid": "attempt-latency-" + a.number }, a.latencyMs + " ms"),
        el("td", { "data-testid": "attempt-status-" + a.number }, a.httpStatus ?? "—"), el("td", {}, stateBadge(a.outcome)),
        el("td", { "data-testid": "attempt-error-" + a.number }, a.error || a.terminalReason || ""),
        el("td", {}, a.responseSnippet ? el("code", { class: "snippet", "data-testid": "attempt-response-" + a.number }, a.responseSnippet) : "—"),
        el("td", {}, a.nextAttemptAt ? when(a.nextAttemptAt) : "—")))));
  const actions = el("p", {});
  if (d.state === "FAILED") {
    actions.append(el("button", { onclick: () => act("POST", "/api/deliveries/" + d.id + "/replay", null, () => "Replaying delivery " + d.id) }, "Replay"));
  }
  $("drawer-body").replaceChildren(facts, el("h3", {}, "Attempts"), attempts, actions);
}

async function renderEndpointDrawer(id) {
  const [ep, recent] = await Promise.all([api("GET", "/api/endpoints/" + encodeURIComponent(id)),
    api("GET", "/api/messages?limit=100&endpoint=" + encodeURIComponent(id))]);
  const stats = ep.stats || {};
  const policy = ep.policy || {};
  $("drawer-title").replaceChildren("Endpoint ", el("span", { class: "mono" }, ep.id), " ", stateBadge(ep.enabled ? "enabled" : "disabled"));
  const settings = el("dl", { class: "facts", "data-testid": "endpoint-settings" }, ...field("URL", el("span", { class: "mono" }, ep.url)),
    ...field("State", ep.enabled ? "enabled" : "disabled " + (ep.disabledAt ? when(ep.disabledAt) : ""), "endpoint-state"),
    ...(ep.enabled ? [] : field("Disabled because", ep.disabledReason, "endpoint-disabled-reason")),
    ...field("Rate limit", ep.rateLimitPerSecond ? ep.rateLimitPerSecond + " per second" : "none"),
    ...field("Max concurrency", ep.maxConcurrency || "server default"), ...field("Ordered", ep.ordered ? "yes, one at a time in order" : "no"),
    ...field("Retry policy", Object.keys(policy).length ? Object.entries(policy).map(([k, v]) => k + " " + v).join(", ") : "server default"),
    ...field("Signing keys", (ep.signingKeys || []).map(k => k.fingerprint + (k.signsUntil ? " (until " + time(k.signsUntil) + ")" : "")).join(", ")),
    ...field("Breaker (this node)", ep.breaker), ...field("Success (24 h)", stats.attemptsInWindow
      ? Math.round(stats.successRate * 100) + " % of " + stats.attemptsInWindow + " attempts" : null),
    ...field("Last error", stats.lastError), ...field("Next attempt", stats.nextAttemptAt ? when(stats.nextAttemptAt) : null));
  // Recent failures: the newest deliveries whose last attempt did not succeed (retrying, failed or held).
  const failures = recent.data.filter(d => d.lastError || (d.lastStatus && (d.lastStatus < 200 || d.lastStatus >= 300))).slice(0, 10);
  const failureList = failures.length === 0 ? el("p", { class: "empty", "data-testid": "endpoint-failures-empty" }, "No failed attempts among its newest deliveries.")
    : el("table", { "data-testid": "endpoint-failures" },
      el("thead", {}, el("tr", {}, ...["Delivery", "State", "Attempts", "Last result", "When"].map(h => el("th", {}, h)))),
      el("tbody", {}, ...failures.map(d => el("tr", { class: "clickable", onclick: () => openDrawer("delivery", d.id) },
        el("td", { class: "mono" }, d.id), el("td", {}, stateBadge(d.state)), el("td", {}, d.attempts),
        el("td", {}, lastResult(d) + (d.lastStatus && d.lastError ? " · " + d.lastError : "")), el("td", {}, when(d.finishedAt || d.createdAt))))));
  const actions = el("p", {});
  if (!ep.enabled) actions.append(el("button", { "data-testid": "drawer-enable", onclick: () => enable(ep.id) }, "Enable"), " ");
  actions.append(el("button", { onclick: () => replayEndpoint(ep.id) }, "Replay failures"), " ",
    el("button", { "data-testid": "show-endpoint-deliveries", onclick: () => { $("filter-endpoint").value = ep.id; filtersChanged(); } },
      "Show its deliveries"));
  $("drawer-body").replaceChildren(settings, actions, el("h3", {}, "Recent failures"), failureList);
}

async function openDrawer(kind, id) {
  drawer = { kind, id };
  $("drawer").hidden = false;
  $("drawer-body").replaceChildren(el("p", { class: "empty", "data-testid": "drawer-loading" }, "Loading…"));
  await renderDrawer();
}

async function renderDrawer() {
  if (!drawer) return;
  try {
    if (drawer.kind === "delivery") await renderDeliveryDrawer(drawer.id); else await renderEndpointDrawer(drawer.id);
  } catch (error) {
    $("drawer-body").replaceChildren(el("p", { class: "error" }, "Could not load " + drawer.kind + " " + drawer.id + ": " + error.message));
  }
}

function closeDrawer() {
  drawer = null;
  $("drawer").hidden = true;
}

function enable(id) {
  act("POST", "/api/endpoints/" + encodeURIComponent(id) + "/enable", null, r => "Enabled " + id + "; " + r.resumed + " held deliveries resumed");
}

function replayEndpoint(id) {
  act("POST", "/api/endpoints/" + encodeURIComponent(id) + "/replay", { since: new Date(Date.now() - 86400000).toISOString() },
    r => "Replaying " + r.replayed + " failed deliveries of " + id);
}

async function act(method, path, body, describe) {
  try {
    const result = await api(method, path, body);
    flash(describe(result), false);
    await refresh();
  } catch (error) {
    flash(error.message, true);
  }
}

async function refresh() {
  try {
    const [stats, endpoints, operator] = await Promise.all([api("GET", "/api/stats"), api("GET", "/api/endpoints"),
      api("GET", "/api/operator-events")]);
    renderCounts(stats.counts);
    renderChart(stats.history);
    renderEndpoints(endpoints.data);
    renderOperatorEvents(operator);
    // Only the newest page follows the queue; an older page stays put while it is being read.
    if (paging.index === 0) await loadDeliveries();
    await renderDrawer();
    $("status-line").textContent = "updated " + new Date().toLocaleTimeString() + " · " + endpoints.data.length + " endpoints";
  } catch (error) {
    $("status-line").textContent = "refresh failed: " + error.message;
  }
}

async function goToPage(index) {
  if (index > paging.index) paging.cursors[index] = paging.next;
  paging.index = index;
  paging.cursors.length = index + 1;
  try {
    await loadDeliveries();
  } catch (error) {
    flash(error.message, true);
  }
}

function filtersChanged() {
  paging.cursors = [null];
  paging.index = 0;
  goToPage(0);
}

function forgetKey(message) {
  sessionStorage.removeItem(KEY_STORE);
  apiKey = null;
  if (timer) clearInterval(timer);
  $("main").hidden = true;
  $("logout").hidden = true;
  closeDrawer();
  $("login").hidden = false;
  $("status-line").textContent = "signed out";
  $("login-error").textContent = message || "";
}

function open(key) {
  apiKey = key;
  sessionStorage.setItem(KEY_STORE, key);
  $("login").hidden = true;
  $("main").hidden = false;
  $("logout").hidden = false;
  $("status-line").textContent = "loading…";
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", event => { event.preventDefault(); open($("api-key").value.trim()); });
  $("logout").addEventListener("click", () => forgetKey(""));
  for (const id of ["filter-state", "filter-endpoint", "filter-since"]) $(id).addEventListener("change", filtersChanged);
  let typing = null;
  $("filter-event").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(filtersChanged, 300); });
  $("filters").addEventListener("submit", event => { event.preventDefault(); filtersChanged(); });
  $("page-older").addEventListener("click", () => goToPage(paging.index + 1));
  $("page-newer").addEventListener("click", () => goToPage(paging.index - 1));
  $("page-newest").addEventListener("click", () => goToPage(0));
  $("drawer-close").addEventListener("click", closeDrawer);
  document.addEventListener("keydown", event => { if (event.key === "Escape") closeDrawer(); });
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {
    // Take the key from the link once and drop it from the address bar and history.
    sessionStorage.setItem(KEY_STORE, fragment.get("key"));
    history.replaceState(null, "", location.pathname);
  }
  const stored = sessionStorage.getItem(KEY_STORE);
  if (stored) open(stored); else forgetKey("");
});
