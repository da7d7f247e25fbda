// gNBs: the AMF's N2 associations; a gNB's tracking areas, slices and
// UEs; NG Reset (TS 38.413 §8.7.4.2.1).
import { h, replace, table, link, mono, badge, dl } from "../dom.js";
import { time, ago, int } from "../format.js";
import { confirm } from "../ui.js";
import { enc } from "../api.js";
import { MAX_ROWS } from "./ues.js";

export async function renderList(ctx) {
  ctx.page("gnbs", "gNBs", true);
  const root = h("main", { id: "page-gnbs" });
  const draw = (list) => replace(root,
    h("section", { class: "card card-flush" },
      table({ class: "table", "data-testid": "gnb-table" }, ["gNB", "Name", "PLMN", "gNB ID", "Address", "State", "Tracking areas", "Connected"],
        (list.gnbs || []).map((g) => h("tr", { "data-gnb": g.id || g.address },
          h("td", null, g.id ? link(`/gnbs/${enc(g.id)}`, mono(g.id)) : h("span", { class: "muted" }, "before NG Setup")),
          h("td", null, g.name || "—"),
          h("td", null, mono(g.plmn)),
          h("td", null, g.gnb_id ? mono(`${g.gnb_id} (${g.gnb_id_bits} bits)`) : "—"),
          h("td", null, mono(g.address)),
          h("td", null, badge(g.state)),
          h("td", null, (g.supported_tas || []).map((t) => h("span", { class: "chip" }, `TAC ${t.tac}`))),
          h("td", { title: time(g.connected_at) }, ago(g.connected_at)))),
        "No gNB is connected. Point a gNB's N2 at Keel's NGAP address.")));
  draw(await ctx.api.get("/api/v1/gnbs", { signal: ctx.signal }));
  ctx.poll(5000, async () => draw(await ctx.api.get("/api/v1/gnbs", { signal: ctx.signal })));
  return root;
}

// gnbDetail reads GET /api/v1/gnbs/{id}; a core without that route
// answers 404 "no such route", and the list and UE views stand in.
async function gnbDetail(ctx, id) {
  try {
    return await ctx.api.get(`/api/v1/gnbs/${enc(id)}`, { signal: ctx.signal });
  } catch (err) {
    if (err.status !== 404 || !/no such route/.test(err.message)) throw err;
  }
  const [list, ues] = await Promise.all([
    ctx.api.get("/api/v1/gnbs", { signal: ctx.signal }),
    ctx.api.get("/api/v1/ues", { signal: ctx.signal }),
  ]);
  const g = (list.gnbs || []).find((x) => x.id === id);
  if (!g) throw Object.assign(new Error(`no connected gNB with ID ${id}`), { status: 404 });
  return { ...g, ues: (ues.ues || []).filter((u) => u.gnb === id).map((u) => u.supi) };
}

export async function renderDetail(ctx) {
  const id = ctx.params.id;
  ctx.page("gnbs", id, true);
  const root = h("main", { id: "page-gnb", "data-gnb": id });
  const reset = async () => {
    const ok = await confirm({ title: `NG Reset of ${id}?`, body: "Keel resets the whole NG interface towards this gNB (TS 38.413 §8.7.4.2.1): every UE it serves loses its N2 connection and goes idle; PDU sessions are kept.", action: "Reset", danger: true });
    if (!ok) return;
    try {
      await ctx.api.post(`/api/v1/gnbs/${enc(id)}/reset`);
      ctx.clearError();
      ctx.notice(`${id} acknowledged the NG Reset.`);
    } catch (err) {
      ctx.error(err);
    }
  };
  const draw = (g) => {
    // The detail's tas are the TACs alone; supported_tas (the list's
    // form, which the detail also carries) has each TA's PLMNs and slices.
    const tas = Array.isArray(g.supported_tas) ? g.supported_tas : (g.tas || []).map((tac) => ({ tac }));
    const slices = g.slices || [...new Set(tas.flatMap((t) => t.slices || []))];
    const ues = g.ues || [];
    replace(root,
      h("div", { class: "toolbar" }, link("/gnbs", "← gNBs"), h("div", { class: "spacer" }),
        h("button", { type: "button", class: "btn btn-danger", "data-testid": "gnb-reset", onclick: reset }, "NG Reset")),
      h("div", { class: "grid-2" },
        h("section", { class: "card" }, h("h2", null, g.name || id),
          dl([
            ["gNB", mono(g.id || id)],
            ["State", badge(g.state)],
            ["PLMN", mono(g.plmn)],
            ["gNB ID", g.gnb_id ? mono(`${g.gnb_id} (${g.gnb_id_bits} bits)`) : "—"],
            ["SCTP address", mono(g.address)],
            ["Connected", `${time(g.connected_at)} (${ago(g.connected_at)})`],
            ["NG Setup", time(g.setup_at)],
            ["Slices", slices.length ? slices.map((x) => h("span", { class: "chip" }, typeof x === "string" ? x : x.sd ? `${x.sst}/${x.sd}` : String(x.sst))) : "—"],
          ])),
        h("section", { class: "card card-flush" },
          h("div", { class: "card-head card-pad" }, h("h2", null, "Tracking areas")),
          table({ class: "table" }, ["TAC", "PLMNs", "Slices"],
            tas.map((t) => [mono(String(t.tac)), (t.plmns || []).join(", ") || "—", (t.slices || []).map((x) => h("span", { class: "chip" }, x))]),
            "The gNB announced no tracking area."))),
      h("section", { class: "card card-flush" },
        h("div", { class: "card-head card-pad" }, h("h2", null, "UEs"), h("span", { class: "muted" }, `${int(ues.length)} served`)),
        table({ class: "table", "data-testid": "gnb-ues" }, ["SUPI"],
          ues.slice(0, MAX_ROWS).map((u) => { const supi = typeof u === "string" ? u : u.supi; return h("tr", { "data-supi": supi }, h("td", null, link(`/ues/${enc(supi)}`, mono(supi)))); }),
          "No UE context is served by this gNB."),
        ues.length > MAX_ROWS ? h("p", { class: "muted card-pad" }, `First ${int(MAX_ROWS)} shown.`) : null));
  };
  draw(await gnbDetail(ctx, id));
  ctx.poll(5000, async () => draw(await gnbDetail(ctx, id)));
  return root;
}
