// Configuration: the running core's settings, read-only
// (GET /api/v1/config; it holds no secrets).
import { h, table, mono, dl } from "../dom.js";

export async function render(ctx) {
  ctx.page("config", "Configuration");
  const c = await ctx.api.get("/api/v1/config", { signal: ctx.signal });
  const shown = new Set(["plmn", "tacs", "slices", "dnns", "nfs", "store", "amf", "addresses"]);
  const rest = Object.entries(c).filter(([k]) => !shown.has(k));
  return h("main", { id: "page-config" },
    h("div", { class: "grid-2" },
      h("section", { class: "card" }, h("h2", null, "Network"),
        dl([
          ["PLMN", mono(c.plmn)],
          ["Tracking areas", list(c.tacs, (t) => `TAC ${typeof t === "object" ? JSON.stringify(t) : t}`)],
          ["Slices", list(c.slices, (s) => (s.sd ? `${s.sst}/${s.sd}` : String(s.sst)))],
          c.nfs ? ["Network functions", list(c.nfs, (n) => n.toUpperCase())] : null,
          c.store !== undefined ? ["Store", mono(String(c.store))] : null,
        ])),
      c.amf ? h("section", { class: "card" }, h("h2", null, "AMF"), tree(c.amf)) : null),
    h("section", { class: "card card-flush" },
      h("div", { class: "card-head card-pad" }, h("h2", null, "DNNs")),
      table({ class: "table", "data-testid": "config-dnns" }, ["DNN", "UE address pools", "Other settings"],
        (c.dnns || []).map((d) => [mono(d.name), (d.pools || []).map((p) => h("div", null, mono(p))),
          tree(Object.fromEntries(Object.entries(d).filter(([k]) => k !== "name" && k !== "pools")))]),
        "No DNN configured.")),
    c.addresses ? h("section", { class: "card" }, h("h2", null, "Addresses"), tree(c.addresses)) : null,
    rest.map(([k, v]) => h("section", { class: "card" }, h("h2", null, title(k)), tree(v))));
}

function list(v, fmt) {
  if (!Array.isArray(v) || v.length === 0) return h("span", { class: "muted" }, "none");
  return v.map((x) => h("span", { class: "chip" }, fmt(x)));
}

function title(k) {
  return k.replace(/_/g, " ").replace(/^./, (x) => x.toUpperCase());
}

// tree shows any JSON value: objects as definition lists, arrays of
// scalars inline, other arrays as numbered items.
function tree(v) {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) {
    if (v.length === 0) return h("span", { class: "muted" }, "none");
    if (v.every((x) => typeof x !== "object" || x === null)) return v.map((x) => h("span", { class: "chip" }, String(x)));
    return h("ol", { class: "tree-list" }, v.map((x) => h("li", null, tree(x))));
  }
  if (typeof v === "object") {
    const entries = Object.entries(v);
    if (entries.length === 0) return h("span", { class: "muted" }, "none");
    return dl(entries.map(([k, x]) => [k.replace(/_/g, " "), tree(x)]));
  }
  if (typeof v === "boolean") return v ? "yes" : "no";
  return mono(String(v));
}
