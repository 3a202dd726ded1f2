// Endure dashboard: plain JavaScript over the JSON API, no build step. The API key stays in this
// tab's sessionStorage (or arrives once in the URL fragment, which browsers never send to servers).
"use strict";

const KEY_STORE = "endure.apiKey";
const REFRESH_MS = 2000;
const STATES = ["PENDING", "IN_FLIGHT", "HELD", "FAILED", "DELIVERED"];
const COLORS = { PENDING: "#e8a317", IN_FLIGHT: "#1a73e8", HELD: "#80868b", FAILED: "#d93025", DELIVERED: "#188038" };

let apiKey = null;
let chart = null;
let stateFilter = "";
let selectedDelivery = null;
let timer = null;

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
  const date = new Date(iso);
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const span = abs < 60 ? abs + " s" : abs < 3600 ? Math.round(abs / 60) + " min" : Math.round(abs / 3600) + " h";
  return seconds >= 0 ? "in " + span : span + " ago";
}

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

function renderCounts(counts) {
  const box = $("counts");
  box.replaceChildren(...STATES.map(state => el("div", { class: "count", "data-testid": "count-" + state },
    el("div", { class: "n" }, counts[state] ?? 0), el("div", { class: "label" }, state.replace("_", " ")))));
}

function renderChart(history) {
  const labels = history.map(p => new Date(p.at).toLocaleTimeString());
  const datasets = STATES.map(state => ({
    label: state.replace("_", " ").toLowerCase(), data: history.map(p => p[state] ?? 0),
    borderColor: COLORS[state], backgroundColor: COLORS[state], pointRadius: 0, tension: 0.2,
    hidden: state === "DELIVERED" && chart === null ? false : undefined,
  }));
  if (typeof Chart === "undefined") { return; }
  if (chart === null) {
    chart = new Chart($("depth-chart"), {
      type: "line", data: { labels, datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: "right" } } },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets.forEach((dataset, i) => { dataset.data = datasets[i].data; });
    chart.update();
  }
}

function stateBadge(text, cssKey) {
  return el("span", { class: "state state-" + (cssKey || text) }, text.replace("_", " ").toLowerCase());
}

function renderEndpoints(endpoints) {
  const rows = endpoints.map(ep => {
    const stats = ep.stats || {};
    const actions = el("td", {});
    if (!ep.enabled) {
      actions.append(el("button", { "data-testid": "enable-" + ep.id, onclick: () => act("POST", "/api/endpoints/" + ep.id + "/enable", null,
        r => "Enabled " + ep.id + "; " + r.resumed + " held deliveries resumed") }, "Enable"));
    }
    actions.append(" ", el("button", { "data-testid": "replay-endpoint-" + ep.id, title: "Replay this endpoint's failures of the last 24 h",
      onclick: () => act("POST", "/api/endpoints/" + ep.id + "/replay", { since: new Date(Date.now() - 86400000).toISOString() },
        r => "Replaying " + r.replayed + " failed deliveries of " + ep.id) }, "Replay failures"));
    return el("tr", { "data-testid": "endpoint-" + ep.id },
      el("td", { class: "mono" }, ep.id),
      el("td", { class: "mono" }, ep.url),
      el("td", {}, stateBadge(ep.enabled ? "enabled" : "disabled"),
        ep.enabled ? null : el("span", { class: "reason", "data-testid": "disabled-reason-" + ep.id }, ep.disabledReason || "")),
      el("td", {}, ep.breaker ? stateBadge(ep.breaker) : "—"),
      el("td", {}, stats.attemptsInWindow ? Math.round(stats.successRate * 100) + " % of " + stats.attemptsInWindow : "—"),
      el("td", {}, stats.lastError || "—"),
      el("td", {}, when(stats.nextAttemptAt)),
      actions);
  });
  $("endpoints").tBodies[0].replaceChildren(...rows);
}

function renderMessages(page) {
  const rows = page.data.map(d => {
    const actions = el("td", {});
    if (d.state === "FAILED") {
      actions.append(el("button", { "data-testid": "replay-" + d.id, onclick: event => { event.stopPropagation();
        act("POST", "/api/deliveries/" + d.id + "/replay", null, () => "Replaying delivery " + d.id); } }, "Replay"));
    }
    const last = d.lastStatus ? "HTTP " + d.lastStatus : (d.lastError || "—");
    return el("tr", { class: "clickable", "data-testid": "delivery-" + d.id, "data-state": d.state, onclick: () => showHistory(d.id) },
      el("td", { class: "mono" }, d.messageId),
      el("td", {}, d.eventType || ""),
      el("td", { class: "mono" }, d.endpointId),
      el("td", {}, stateBadge(d.state), d.terminalReason ? el("span", { class: "reason" }, d.terminalReason) : null),
      el("td", {}, d.attempts),
      el("td", {}, last),
      el("td", {}, when(d.createdAt)),
      actions);
  });
  $("messages").tBodies[0].replaceChildren(...rows);
}

async function showHistory(deliveryId) {
  selectedDelivery = deliveryId;
  const delivery = await api("GET", "/api/deliveries/" + deliveryId);
  $("history-title").textContent = delivery.messageId + " → " + delivery.endpointId + " (" + delivery.state.toLowerCase() + ")";
  $("history").tBodies[0].replaceChildren(...delivery.attempts.map(a => el("tr", { "data-testid": "attempt-" + a.number },
    el("td", {}, a.number), el("td", {}, new Date(a.startedAt).toLocaleTimeString()), el("td", {}, a.latencyMs + " ms"),
    el("td", {}, a.httpStatus ?? "—"), el("td", {}, a.error || ""), el("td", {}, stateBadge(a.outcome)),
    el("td", {}, a.nextAttemptAt ? when(a.nextAttemptAt) : "—"), el("td", {}, a.terminalReason || ""))));
  $("history-panel").hidden = false;
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
    const query = "/api/messages?limit=50" + (stateFilter ? "&state=" + stateFilter : "");
    const [stats, endpoints, messages] = await Promise.all([api("GET", "/api/stats"), api("GET", "/api/endpoints"), api("GET", query)]);
    renderCounts(stats.counts);
    renderChart(stats.history);
    renderEndpoints(endpoints.data);
    renderMessages(messages);
    if (selectedDelivery) await showHistory(selectedDelivery);
    $("status-line").textContent = "updated " + new Date().toLocaleTimeString() + " · " + endpoints.data.length + " endpoints";
  } catch (error) {
    $("status-line").textContent = "refresh failed: " + error.message;
  }
}

function forgetKey(message) {
  sessionStorage.removeItem(KEY_STORE);
  apiKey = null;
  if (timer) clearInterval(timer);
  $("main").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

function open(key) {
  apiKey = key;
  sessionStorage.setItem(KEY_STORE, key);
  $("login").hidden = true;
  $("main").hidden = false;
  $("logout").hidden = false;
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", event => { event.preventDefault(); open($("api-key").value.trim()); });
  $("logout").addEventListener("click", () => forgetKey(""));
  $("state-filter").addEventListener("change", event => { stateFilter = event.target.value; refresh(); });
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {
    // Take the key from the link once and drop it from the address bar and history.
    sessionStorage.setItem(KEY_STORE, fragment.get("key"));
    history.replaceState(null, "", location.pathname);
  }
  const stored = sessionStorage.getItem(KEY_STORE);
  if (stored) open(stored); else forgetKey("");
});
