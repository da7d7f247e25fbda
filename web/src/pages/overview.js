// Overview: the network at a glance, polled every 2 s from
// GET /api/v1/overview.
import { h, s, replace, table } from "../dom.js";
import { int, dec, bps, clock } from "../format.js";

const HISTORY = 90; // samples kept for the charts: 3 minutes at 2 s

export async function render(ctx) {
  ctx.page("overview", "Overview", true);
  const source = new Source(ctx);
  const first = await source.read();
  const history = [];
  const root = h("main", { id: "page-overview" });
  const draw = (o) => {
    history.push({ t: Date.parse(o.time) || Date.now(), ul: num(o.throughput?.uplink_bps), dl: num(o.throughput?.downlink_bps), reg: num(o.rates?.registrations_per_second), ses: num(o.rates?.sessions_per_second) });
    if (history.length > HISTORY) history.shift();
    replace(root, view(o, history));
  };
  draw(first);
  ctx.poll(2000, async () => draw(await source.read()));
  return root;
}

// Source reads GET /api/v1/overview. A core without that route (404 "no
// such route") gets its overview computed here from the gNB, UE and
// session lists, throughput from the sessions' byte counters between two
// reads; procedure rates and failures need the server's counters and
// are left out.
class Source {
  constructor(ctx) {
    this.ctx = ctx;
    this.local = false;
    this.prev = null;
  }

  async read() {
    const { api, signal } = this.ctx;
    if (!this.local) {
      try {
        return await api.get("/api/v1/overview", { signal });
      } catch (err) {
        if (err.status !== 404 || !/no such route/.test(err.message)) throw err;
        this.local = true;
      }
    }
    const [g, u, s] = await Promise.all([
      api.get("/api/v1/gnbs", { signal }), api.get("/api/v1/ues", { signal }), api.get("/api/v1/sessions", { signal })]);
    const ues = (u.ues || []).filter((x) => x.state === "registered");
    const sessions = s.sessions || [];
    const now = Date.now();
    const ul = sessions.reduce((n, x) => n + (x.ul_bytes || 0), 0);
    const dl = sessions.reduce((n, x) => n + (x.dl_bytes || 0), 0);
    let throughput = { uplink_bps: 0, downlink_bps: 0 };
    if (this.prev && now > this.prev.t) {
      const secs = (now - this.prev.t) / 1000;
      throughput = { uplink_bps: Math.max(0, ((ul - this.prev.ul) * 8) / secs), downlink_bps: Math.max(0, ((dl - this.prev.dl) * 8) / secs) };
    }
    this.prev = { t: now, ul, dl };
    return {
      gnbs: (g.gnbs || []).length,
      ues: { registered: ues.length, connected: ues.filter((x) => x.cm_state === "connected").length, idle: ues.filter((x) => x.cm_state === "idle").length },
      sessions: sessions.length,
      throughput,
      rates: null,
      failures: null,
      time: new Date(now).toISOString(),
      local: true,
    };
  }
}

// notServing names the network functions this process does not run (a
// split core): their figures read 0 here.
function notServing(serving) {
  if (!serving || typeof serving !== "object") return "";
  const off = Object.entries(serving).filter(([, on]) => !on).map(([nf]) => nf.toUpperCase());
  return off.length ? `; this process runs no ${off.join(" or ")}, whose figures read 0` : "";
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
      stat("Registrations", o.rates ? `${dec(o.rates.registrations_per_second)}/s` : "—", o.rates ? `sessions ${dec(o.rates.sessions_per_second)}/s` : "not reported by this Keel", "ov-rates"),
      stat("Throughput", bps(num(o.throughput?.downlink_bps) + num(o.throughput?.uplink_bps)), `↓ ${bps(o.throughput?.downlink_bps)} · ↑ ${bps(o.throughput?.uplink_bps)}`, "ov-throughput")),
    h("div", { class: "grid-2" },
      h("section", { class: "card" },
        h("div", { class: "card-head" }, h("h2", null, "User plane throughput"), legend([["dl", "Downlink"], ["ul", "Uplink"]])),
        chart(history, [["dl", "series-a"], ["ul", "series-b"]], bps)),
      o.rates ? h("section", { class: "card" },
        h("div", { class: "card-head" }, h("h2", null, "Procedure rates"), legend([["reg", "Registrations/s"], ["ses", "Sessions/s"]])),
        chart(history, [["reg", "series-a"], ["ses", "series-b"]], (v) => `${dec(v)}/s`)) : null),
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h2", null, "Failures by cause"), h("span", { class: "muted" }, `${int(totalFailures)} in total`)),
      table({ class: "table", "data-testid": "ov-failures" }, ["Cause", "Count"],
        failures.map((f) => [f.cause || "—", h("span", { class: "num" }, int(f.count))]), o.failures ? "No procedure has failed." : "Not reported by this Keel.")),
    h("p", { class: "muted small", "data-testid": "ov-updated" }, `Updated ${clock(o.time || new Date())}, every 2 s`,
      o.window_seconds ? `; rates and throughput over the last ${dec(o.window_seconds)} s` : "",
      o.local ? "; computed in the browser from the gNB, UE and session lists (this Keel has no /api/v1/overview)" : "",
      notServing(o.serving), "."),
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
  // The samples span the width: the first one read on the left, the
  // last on the right (up to HISTORY of them, 3 minutes).
  const x = (i) => P + i * ((W - 2 * P) / Math.max(1, history.length - 1));
  const y = (v) => H - P - (v / scale) * (H - 2 * P);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", preserveAspectRatio: "none", role: "img", "aria-label": "chart" });
  for (let g = 1; g <= 3; g++) svg.append(s("line", { x1: 0, x2: W, y1: (H / 4) * g, y2: (H / 4) * g, class: "grid" }));
  for (const [k, cls] of series) {
    if (history.length < 2) continue;
    const pts = history.map((p, i) => `${x(i).toFixed(1)},${y(p[k]).toFixed(1)}`).join(" ");
    svg.append(s("polygon", { points: `${x(0).toFixed(1)},${H - P} ${pts} ${x(history.length - 1).toFixed(1)},${H - P}`, class: `area ${cls}` }));
    svg.append(s("polyline", { points: pts, class: `line ${cls}` }));
  }
  const since = history.length ? (history.length >= HISTORY ? "last 3 min" : `since ${clock(history[0].t)}`) : "";
  return h("div", { class: "chart-wrap" }, svg,
    h("div", { class: "chart-max muted small" }, max > 0 ? `max ${fmt(max)}` : "none yet"),
    h("div", { class: "chart-span muted small" }, since));
}
