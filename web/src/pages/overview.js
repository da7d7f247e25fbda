// Overview: the network at a glance, polled every 2 s from
// GET /api/v1/overview.
import { h, s, replace, table } from "../dom.js";
import { int, dec, bps, clock } from "../format.js";

const HISTORY = 90; // samples kept for the charts: 3 minutes at 2 s

export async function render(ctx) {
  ctx.page("overview", "Overview", true);
  const first = await ctx.api.get("/api/v1/overview", { signal: ctx.signal });
  const history = [];
  const root = h("main", { id: "page-overview" });
  const draw = (o) => {
    history.push({ t: Date.parse(o.time) || Date.now(), ul: num(o.throughput?.uplink_bps), dl: num(o.throughput?.downlink_bps), reg: num(o.rates?.registrations_per_second), ses: num(o.rates?.sessions_per_second) });
    if (history.length > HISTORY) history.shift();
    replace(root, view(o, history));
  };
  draw(first);
  ctx.poll(2000, async () => draw(await ctx.api.get("/api/v1/overview", { signal: ctx.signal })));
  return root;
}

function num(x) {
  return typeof x === "number" && Number.isFinite(x) ? x : 0;
}

function stat(label, value, sub, testid) {
  return h("div", { class: "stat card", "data-testid": testid },
    h("div", { class: "stat-label" }, label),
    h("div", { class: "stat-value" }, value),
    sub ? h("div", { class: "stat-sub" }, sub) : null);
}

function view(o, history) {
  const ues = o.ues || {};
  const failures = Array.isArray(o.failures) ? [...o.failures].sort((a, b) => (b.count || 0) - (a.count || 0)) : [];
  const totalFailures = failures.reduce((n, f) => n + (f.count || 0), 0);
  return [
    h("div", { class: "stats" },
      stat("gNBs", int(o.gnbs), "with an N2 association", "ov-gnbs"),
      stat("Registered UEs", int(ues.registered), [h("span", { class: "dot dot-good" }), `${int(ues.connected)} connected · `, h("span", { class: "dot dot-warn" }), `${int(ues.idle)} idle`], "ov-registered"),
      stat("PDU sessions", int(o.sessions), null, "ov-sessions"),
      stat("Registrations", `${dec(o.rates?.registrations_per_second)}/s`, `sessions ${dec(o.rates?.sessions_per_second)}/s`, "ov-rates"),
      stat("Throughput", bps(num(o.throughput?.downlink_bps) + num(o.throughput?.uplink_bps)), `↓ ${bps(o.throughput?.downlink_bps)} · ↑ ${bps(o.throughput?.uplink_bps)}`, "ov-throughput")),
    h("div", { class: "grid-2" },
      h("section", { class: "card" },
        h("div", { class: "card-head" }, h("h2", null, "User plane throughput"), legend([["dl", "Downlink"], ["ul", "Uplink"]])),
        chart(history, [["dl", "series-a"], ["ul", "series-b"]], bps)),
      h("section", { class: "card" },
        h("div", { class: "card-head" }, h("h2", null, "Procedure rates"), legend([["reg", "Registrations/s"], ["ses", "Sessions/s"]])),
        chart(history, [["reg", "series-a"], ["ses", "series-b"]], (v) => `${dec(v)}/s`))),
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h2", null, "Failures by cause"), h("span", { class: "muted" }, `${int(totalFailures)} in total`)),
      table({ class: "table", "data-testid": "ov-failures" }, ["Cause", "Count"],
        failures.map((f) => [f.cause || "—", h("span", { class: "num" }, int(f.count))]), "No procedure has failed.")),
    h("p", { class: "muted small", "data-testid": "ov-updated" }, `Updated ${clock(o.time || new Date())}, every 2 s.`),
  ];
}

function legend(items) {
  return h("div", { class: "legend" }, items.map(([, label], i) => h("span", { class: "legend-item" }, h("span", { class: `swatch ${i === 0 ? "series-a" : "series-b"}` }), label)));
}

// chart draws the history as an SVG line chart, built with DOM calls
// (no markup strings), scaled to its largest value.
function chart(history, series, fmt) {
  const W = 600, H = 160, P = 4;
  let max = 0;
  for (const p of history) for (const [k] of series) max = Math.max(max, p[k]);
  const scale = max > 0 ? max * 1.15 : 1;
  const x = (i) => P + (i + HISTORY - history.length) * ((W - 2 * P) / (HISTORY - 1));
  const y = (v) => H - P - (v / scale) * (H - 2 * P);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", preserveAspectRatio: "none", role: "img", "aria-label": "chart" });
  for (let g = 1; g <= 3; g++) svg.append(s("line", { x1: 0, x2: W, y1: (H / 4) * g, y2: (H / 4) * g, class: "grid" }));
  for (const [k, cls] of series) {
    if (history.length < 2) continue;
    const pts = history.map((p, i) => `${x(i).toFixed(1)},${y(p[k]).toFixed(1)}`).join(" ");
    svg.append(s("polygon", { points: `${x(0).toFixed(1)},${H - P} ${pts} ${x(history.length - 1).toFixed(1)},${H - P}`, class: `area ${cls}` }));
    svg.append(s("polyline", { points: pts, class: `line ${cls}` }));
  }
  return h("div", { class: "chart-wrap" }, svg, h("div", { class: "chart-max muted small" }, max > 0 ? `max ${fmt(max)}` : "no traffic yet"));
}
