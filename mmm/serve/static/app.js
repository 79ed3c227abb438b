/* mmm planner page: talks to the JSON API of `mmm serve`; charts with plotly.js. */
"use strict";

const state = {
  info: null,          // GET /api/model
  spend: {},           // channel -> planned horizon spend
  curves: null,        // POST /api/curves
  curveTop: {},        // channel -> largest spend on the curve grid
  scenarios: [],       // [{name, allocation: {...}} | {name, optimize: {...}} | ...]
  evalSeq: 0,
  lastEval: null,
};
const $ = (id) => document.getElementById(id);
const PLOT_CONFIG = { displayModeBar: false, responsive: true };

function fmt(x) {
  if (x === null || x === undefined || !isFinite(x)) return "–";
  if (x === 0) return "0";
  const a = Math.abs(x);
  for (const [lim, s] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]]) {
    if (a >= lim) return (x / lim).toFixed(a / lim >= 100 ? 0 : a / lim >= 10 ? 1 : 2) + s;
  }
  return a >= 100 ? x.toFixed(0) : x.toFixed(a >= 1 ? 2 : 3);
}
const fmtStat = (s) => (s && s.mean !== null ? `${fmt(s.mean)} (${fmt(s.lo)}–${fmt(s.hi)})` : "–");
// mean on one line, the interval below it (tables)
const cellStat = (s) => (s && s.mean !== null ? `${fmt(s.mean)}<small>${fmt(s.lo)}–${fmt(s.hi)}</small>` : "–");
const round2 = (x) => Math.round(x * 100) / 100;
// names from files (scenarios, channels) are text, never markup
const esc = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function settings() {
  const horizon = parseInt($("horizon").value, 10);
  return {
    model: $("model").value || null,
    horizon: Number.isFinite(horizon) ? horizon : null,
    pattern: $("pattern").value,
  };
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const err = new Error(data.error || String(data));
    err.field = data.field;
    throw err;
  }
  return data;
}

function showError(err) {
  const box = $("error");
  document.querySelectorAll("[aria-invalid=true]").forEach((el) => el.removeAttribute("aria-invalid"));
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = err.field ? `${err.field}: ${err.message}` : err.message;
  if (err.field) {
    const el = document.querySelector(`[data-field="${CSS.escape(err.field)}"]`);
    if (el) el.setAttribute("aria-invalid", "true");
  }
}

function status(text) { $("status").textContent = text; }

/* ---- model and plan table ---------------------------------------------------------- */
async function loadModel() {
  const s = settings();
  const q = new URLSearchParams({ pattern: s.pattern });
  if (s.model) q.set("model", s.model);
  if (s.horizon) q.set("horizon", s.horizon);
  let info;
  try { info = await api(`/api/model?${q}`); } catch (err) { showError(err); return; }
  showError(null);
  state.info = info;
  const select = $("model");
  if (!select.options.length) {
    for (const name of info.models) select.add(new Option(name, name));
  }
  select.value = info.model;
  $("horizon").value = info.horizon;
  $("horizon").max = info.periods;
  $("horizon-unit").textContent = info.frequency === "daily" ? "days" : info.frequency === "weekly" ? "weeks" : "periods";
  $("kpi-name").textContent = info.kpi;
  $("current-total").textContent = fmt(info.current_total);
  $("budget").value = round2(info.current_total);
  state.spend = {};
  for (const [c, row] of Object.entries(info.channels)) state.spend[c] = row.current;
  buildPlanTable();
  loadScenarios();
  await Promise.all([refreshCurves(), evaluate()]);
  status(`${info.draws} draws · ${info.first_date} to ${info.last_date} · ${Math.round(info.interval * 100)}% intervals`);
}

function sliderMax(c) {
  const row = state.info.channels[c];
  const h = state.info.horizon;
  return Math.max(3 * row.current, 1.5 * row.period_max * h, 1);
}

function buildPlanTable() {
  const body = $("channels").querySelector("tbody");
  body.innerHTML = "";
  for (const c of Object.keys(state.info.channels)) {
    const tr = document.createElement("tr");
    tr.dataset.channel = c;
    const max = sliderMax(c);
    tr.innerHTML = `
      <th scope="row">${esc(c)}</th>
      <td class="spend">
        <input type="range" class="slider" min="0" max="${max}" step="${max / 400}"
               aria-label="${esc(c)} spend (slider)">
        <input type="number" class="amount" min="0" step="any" data-field="allocation.${esc(c)}"
               aria-label="${esc(c)} spend">
      </td>
      <td><input type="checkbox" class="fixed" aria-label="hold ${esc(c)} fixed"></td>
      <td><input type="number" class="bound lower" min="0" step="any" placeholder="0"
                 data-field="bounds.${esc(c)}" aria-label="${esc(c)} lower bound"></td>
      <td><input type="number" class="bound upper" min="0" step="any" placeholder="none"
                 aria-label="${esc(c)} upper bound"></td>`;
    body.appendChild(tr);
    const slider = tr.querySelector(".slider");
    const amount = tr.querySelector(".amount");
    slider.addEventListener("input", () => { setSpend(c, parseFloat(slider.value), "slider"); });
    amount.addEventListener("input", () => {
      const v = parseFloat(amount.value);
      if (amount.value.trim() === "" || !Number.isFinite(v)) return;
      setSpend(c, v, "amount");
    });
  }
  syncInputs();
}

function syncInputs(except) {
  for (const tr of $("channels").querySelectorAll("tbody tr")) {
    const c = tr.dataset.channel;
    const slider = tr.querySelector(".slider");
    const amount = tr.querySelector(".amount");
    const v = state.spend[c];
    if (v > parseFloat(slider.max)) { slider.max = v * 1.2; slider.step = (v * 1.2) / 400; }
    if (except !== `${c}:slider`) slider.value = v;
    if (except !== `${c}:amount`) amount.value = round2(v);
  }
  const total = Object.values(state.spend).reduce((a, b) => a + b, 0);
  $("total-spend").textContent = fmt(total);
  $("total-spend").dataset.value = total;
}

let evalTimer = null;
function setSpend(c, v, source) {
  state.spend[c] = v;
  syncInputs(`${c}:${source}`);
  clearTimeout(evalTimer);
  evalTimer = setTimeout(evaluate, 60);
}

/* ---- evaluation ---------------------------------------------------------------------- */
async function evaluate() {
  const seq = ++state.evalSeq;
  const body = { ...settings(), allocation: { ...state.spend } };
  let result;
  try { result = await api("/api/evaluate", body); } catch (err) {
    if (seq === state.evalSeq) showError(err);
    return;
  }
  if (seq !== state.evalSeq) return;  // a newer request is on its way
  showError(null);
  state.lastEval = result;
  renderOutcome(result);
  const outside = Object.entries(state.spend).some(([c, v]) => v > (state.curveTop[c] || 0) * 0.98);
  if (outside) refreshCurves(); else updatePlannedMarkers();
}

function renderOutcome(r) {
  const pct = Math.round(r.interval * 100);
  $("kpi-mean").textContent = fmt(r.kpi.mean);
  $("kpi-mean").dataset.value = r.kpi.mean;
  $("kpi-interval").textContent = `${pct}% interval ${fmt(r.kpi.lo)} – ${fmt(r.kpi.hi)}`;
  $("kpi-interval").dataset.lo = r.kpi.lo;
  $("kpi-interval").dataset.hi = r.kpi.hi;
  const sign = r.uplift.mean >= 0 ? "+" : "";
  $("kpi-uplift").textContent = `vs current spend: ${sign}${fmt(r.uplift.mean)} ` +
    `(${fmt(r.uplift.lo)} – ${fmt(r.uplift.hi)}); P(better) = ${r.p_better.toFixed(2)}`;
  const body = $("figures").querySelector("tbody");
  body.innerHTML = "";
  for (const [c, row] of Object.entries(r.channels)) {
    const tr = document.createElement("tr");
    tr.dataset.channel = c;
    tr.innerHTML = `<th scope="row">${esc(c)}</th><td class="spend-value" data-value="${row.spend}">${fmt(row.spend)}</td>
      <td data-value="${row.contribution.mean}">${cellStat(row.contribution)}</td>
      <td>${cellStat(row.roi)}</td><td>${cellStat(row.mroi)}</td>`;
    body.appendChild(tr);
  }
  const tr = document.createElement("tr");
  tr.innerHTML = `<th scope="row">total</th><td>${fmt(r.total_spend)}</td><td>${cellStat(r.kpi)}</td>
    <td>${cellStat(r.roi)}</td><td></td>`;
  body.appendChild(tr);
  const warnings = $("warnings");
  warnings.innerHTML = "";
  for (const w of r.warnings) {
    const li = document.createElement("li");
    li.textContent = w.message;
    warnings.appendChild(li);
  }
}

/* ---- response curves ----------------------------------------------------------------- */
async function refreshCurves() {
  const body = { ...settings(), allocation: { ...state.spend } };
  let curves;
  try { curves = await api("/api/curves", body); } catch (err) { showError(err); return; }
  state.curves = curves;
  const box = $("curves");
  box.innerHTML = "";
  for (const [c, cur] of Object.entries(curves.channels)) {
    state.curveTop[c] = cur.spend[cur.spend.length - 1];
    const div = document.createElement("div");
    div.className = "curve";
    div.id = `curve-${c}`;
    div.setAttribute("role", "img");
    div.setAttribute("aria-label", `response curve of ${c}`);
    box.appendChild(div);
    const current = state.info.channels[c].current;
    const pct = Math.round(curves.interval * 100);
    const traces = [
      { x: cur.spend, y: cur.hi, mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false },
      { x: cur.spend, y: cur.lo, mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: "rgba(31,95,191,0.18)", name: `${pct}% interval`, hoverinfo: "skip" },
      { x: cur.spend, y: cur.mean, mode: "lines", line: { color: "#1f5fbf", width: 2.5 }, name: "mean" },
      { x: [current], y: [interp(cur, current)], mode: "markers", name: "current",
        marker: { size: 11, color: "#fff", line: { color: "#102a52", width: 2.5 } } },
      { x: [state.spend[c]], y: [interp(cur, state.spend[c])], mode: "markers", name: "planned",
        marker: { size: 13, symbol: "diamond", color: "#e07000" } },
    ];
    Plotly.newPlot(div, traces, {
      title: { text: c, font: { size: 16 } }, margin: { l: 70, r: 10, t: 35, b: 45 },
      showlegend: false, xaxis: { title: { text: "spend over horizon" } },
      yaxis: { title: { text: "contribution" } }, font: { size: 13 },
    }, PLOT_CONFIG);
  }
  updatePlannedMarkers();
}

function interp(cur, x) {
  const xs = cur.spend, ys = cur.mean;
  if (x <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  }
  return ys[ys.length - 1];
}

function updatePlannedMarkers() {
  if (!state.curves) return;
  const r = state.lastEval;
  for (const c of Object.keys(state.curves.channels)) {
    const div = $(`curve-${c}`);
    if (!div || !div.data) continue;
    // the planned point is the evaluated contribution (exact), not the interpolated curve
    const y = r && r.channels[c] ? r.channels[c].contribution.mean : interp(state.curves.channels[c], state.spend[c]);
    Plotly.restyle(div, { x: [[state.spend[c]]], y: [[y]] }, [4]);
  }
}

/* ---- optimizer ----------------------------------------------------------------------- */
function optimizerRequest() {
  const s = settings();
  const kind = $("objective").value;
  const value = $("objective-value").value.trim();
  const body = { ...s, objective: kind === "mean" ? "mean" : `${kind}:${value}` };
  const budget = parseFloat($("budget").value);
  if (Number.isFinite(budget)) body.budget = budget;
  const bounds = {}, fixed = {};
  for (const tr of $("channels").querySelectorAll("tbody tr")) {
    const c = tr.dataset.channel;
    if (tr.querySelector(".fixed").checked) { fixed[c] = state.spend[c]; continue; }
    const lo = tr.querySelector(".lower").value.trim();
    const hi = tr.querySelector(".upper").value.trim();
    if (lo !== "" || hi !== "") bounds[c] = [lo === "" ? null : parseFloat(lo), hi === "" ? null : parseFloat(hi)];
  }
  if (Object.keys(bounds).length) body.bounds = bounds;
  if (Object.keys(fixed).length) body.fixed = fixed;
  return body;
}

async function runOptimize() {
  const button = $("optimize");
  button.disabled = true;
  status("optimizing…");
  try {
    const plan = await api("/api/optimize", optimizerRequest());
    showError(null);
    for (const [c, v] of Object.entries(plan.allocation)) state.spend[c] = v;
    syncInputs();
    const s = plan.solver;
    $("solver").textContent = `${plan.objective}: ${s.success ? "converged" : "did not converge"} in ` +
      `${s.iterations} iterations, ${s.seconds.toFixed(2)} s; expected KPI ${fmtStat(plan.totals.kpi)}; ` +
      `P(beats ${plan.reference}) = ${plan.totals.p_better.toFixed(2)}`;
    $("solver").dataset.kpi = plan.totals.kpi.mean;
    status("optimized");
    await evaluate();
  } catch (err) {
    showError(err);
    status("optimizer failed");
  } finally {
    button.disabled = false;
  }
}

/* ---- scenarios ----------------------------------------------------------------------- */
const storageKey = () => `mmm-planner-scenarios:${$("model").value}`;
function storeScenarios() {
  try { localStorage.setItem(storageKey(), JSON.stringify(state.scenarios)); } catch (e) { /* private mode */ }
}
function loadScenarios() {
  try { state.scenarios = JSON.parse(localStorage.getItem(storageKey()) || "[]"); } catch (e) { state.scenarios = []; }
  renderScenarioList();
}

function renderScenarioList() {
  const list = $("scenario-list");
  list.innerHTML = "";
  const ref = $("reference");
  const keep = ref.value;
  ref.innerHTML = "";
  for (const sc of state.scenarios) {
    ref.add(new Option(sc.name, sc.name));
    const li = document.createElement("li");
    li.dataset.name = sc.name;
    const kind = sc.optimize ? "optimizer run" : sc.allocation === "current" ? "current" : "allocation";
    li.innerHTML = `<span><b></b> <span class="muted">${kind}</span></span>`;
    li.querySelector("b").textContent = sc.name;
    if (sc.allocation && sc.allocation !== "current") {
      const load = document.createElement("button");
      load.type = "button"; load.className = "secondary"; load.textContent = "Load";
      load.setAttribute("aria-label", `load scenario ${sc.name}`);
      load.addEventListener("click", () => {
        Object.assign(state.spend, sc.allocation); syncInputs(); evaluate();
      });
      li.appendChild(load);
    }
    const del = document.createElement("button");
    del.type = "button"; del.className = "secondary"; del.textContent = "Delete";
    del.setAttribute("aria-label", `delete scenario ${sc.name}`);
    del.addEventListener("click", () => {
      state.scenarios = state.scenarios.filter((x) => x.name !== sc.name);
      storeScenarios(); renderScenarioList();
    });
    li.appendChild(del);
    list.appendChild(li);
  }
  if (state.scenarios.some((s) => s.name === keep)) ref.value = keep;
}

function saveScenario() {
  const input = $("scenario-name");
  const name = input.value.trim() || `scenario_${state.scenarios.length + 1}`;
  const entry = { name, allocation: { ...state.spend } };
  const i = state.scenarios.findIndex((s) => s.name === name);
  if (i >= 0) state.scenarios[i] = entry; else state.scenarios.push(entry);
  storeScenarios();
  renderScenarioList();
  input.value = "";
  status(`saved scenario '${name}'`);
}

function scenarioRequest() {
  const s = settings();
  const body = { model: s.model, horizon: s.horizon, pattern: s.pattern, scenarios: state.scenarios };
  if ($("reference").value) body.reference = $("reference").value;
  return body;
}

async function runCompare() {
  if (!state.scenarios.length) { showError(new Error("save a scenario first")); return; }
  let result;
  try { result = await api("/api/compare", scenarioRequest()); } catch (err) { showError(err); return; }
  showError(null);
  renderComparison(result);
}

function renderComparison(result) {
  $("comparison-area").hidden = false;
  const pct = Math.round(result.interval * 100);
  const names = result.scenarios.map((s) => s.name);
  let html = `<thead><tr><th scope="col">Scenario</th>` +
    result.channels.map((c) => `<th scope="col">${esc(c)}</th>`).join("") +
    `<th scope="col">Total spend</th><th scope="col">KPI (${pct}%)</th><th scope="col">ROI</th>` +
    `<th scope="col">Uplift vs ${esc(result.reference)}</th><th scope="col">P(beats ${esc(result.reference)})</th></tr></thead><tbody>`;
  for (const s of result.scenarios) {
    html += `<tr data-name="${esc(s.name)}"><th scope="row">${esc(s.name)}</th>` +
      result.channels.map((c) => `<td>${fmt(s.spend[c])}</td>`).join("") +
      `<td>${fmt(s.total_spend)}</td><td data-value="${s.kpi.mean}">${cellStat(s.kpi)}</td><td>${cellStat(s.roi)}</td>` +
      `<td>${cellStat(s.uplift)}</td><td data-value="${s.p_beats_reference}">${s.p_beats_reference.toFixed(2)}</td></tr>`;
  }
  $("comparison").innerHTML = html + "</tbody>";
  let pw = `<thead><tr><th scope="col">P(row &gt; column)</th>` + names.map((n) => `<th scope="col">${esc(n)}</th>`).join("") + "</tr></thead><tbody>";
  for (const s of result.scenarios) {
    pw += `<tr><th scope="row">${esc(s.name)}</th>` + names.map((n) => n === s.name ? "<td>–</td>" :
      `<td data-value="${s.p_beats[n]}">${s.p_beats[n].toFixed(2)}</td>`).join("") + "</tr>";
  }
  $("pairwise").innerHTML = pw + "</tbody>";
  const kpi = result.scenarios.map((s) => s.kpi);
  Plotly.newPlot("compare-chart", [{
    type: "bar", x: names, y: kpi.map((k) => k.mean), marker: { color: "#1f5fbf" },
    error_y: { type: "data", symmetric: false, array: kpi.map((k) => k.hi - k.mean),
      arrayminus: kpi.map((k) => k.mean - k.lo), color: "#102a52", thickness: 2 },
    hovertemplate: "%{x}: %{y:,.0f}<extra></extra>",
  }], {
    title: { text: `Expected incremental KPI with ${pct}% interval`, font: { size: 16 } },
    margin: { l: 60, r: 10, t: 40, b: 40 }, font: { size: 14 },
  }, PLOT_CONFIG);
}

function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url; a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function exportAs(kind) {
  if (!state.scenarios.length) { showError(new Error("save a scenario first")); return; }
  try {
    const text = await api(`/api/scenarios.${kind}`, scenarioRequest());
    showError(null);
    download(text, `scenarios.${kind}`, kind === "yaml" ? "application/yaml" : "text/csv");
    status(`exported scenarios.${kind}`);
  } catch (err) { showError(err); }
}

async function importYaml(file) {
  try {
    const spec = await api("/api/scenarios/import", { text: await file.text() });
    showError(null);
    for (const sc of spec.scenarios) {
      const i = state.scenarios.findIndex((s) => s.name === sc.name);
      if (i >= 0) state.scenarios[i] = sc; else state.scenarios.push(sc);
    }
    storeScenarios();
    renderScenarioList();
    if (spec.reference) $("reference").value = spec.reference;
    let reload = false;
    if (spec.horizon && spec.horizon !== settings().horizon) { $("horizon").value = spec.horizon; reload = true; }
    if (spec.pattern && spec.pattern !== settings().pattern) { $("pattern").value = spec.pattern; reload = true; }
    if (reload) await loadModel();
    status(`imported ${spec.scenarios.length} scenario(s) from ${file.name}`);
  } catch (err) { showError(err); }
}

/* ---- wiring -------------------------------------------------------------------------- */
function init() {
  $("model").addEventListener("change", () => { $("horizon").value = ""; loadModel(); });
  $("horizon").addEventListener("change", loadModel);
  $("pattern").addEventListener("change", loadModel);
  $("objective").addEventListener("change", () => {
    $("objective-value").disabled = $("objective").value === "mean";
  });
  $("optimize").addEventListener("click", runOptimize);
  $("reset").addEventListener("click", () => {
    for (const [c, row] of Object.entries(state.info.channels)) state.spend[c] = row.current;
    syncInputs(); evaluate();
  });
  $("save-scenario").addEventListener("click", saveScenario);
  $("scenario-name").addEventListener("keydown", (e) => { if (e.key === "Enter") saveScenario(); });
  $("compare").addEventListener("click", runCompare);
  $("export-yaml").addEventListener("click", () => exportAs("yaml"));
  $("export-csv").addEventListener("click", () => exportAs("csv"));
  $("import-yaml").addEventListener("change", (e) => {
    if (e.target.files.length) importYaml(e.target.files[0]);
    e.target.value = "";
  });
  loadModel();
}
init();
