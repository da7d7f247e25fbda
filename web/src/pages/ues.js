// UEs: the AMF's UE contexts, live; search by SUPI, 5G-GUTI or a
// session's IP address; a UE's sessions and recent procedures;
// network-initiated deregistration (TS 24.501 §5.5.2.3).
import { h, replace, table, link, mono, badge, dl } from "../dom.js";
import { time, ago, bytes, snssai, int } from "../format.js";
import { confirm } from "../ui.js";
import { enc } from "../api.js";
import { Pager } from "../pager.js";

// MAX_ROWS bounds a table drawn every few seconds: a core with 100,000
// UEs answers them all, and the browser would spend its time in layout.
// A search narrows the list.
export const MAX_ROWS = 500;

// A core that does not page its UE list (no limit=) answers every UE
// each time, some 300 bytes of JSON per UE: past BIG_LIST UEs such a
// list is polled every 10 s rather than 2 s.
const BIG_LIST = 5000;

// paged reports whether the API paged its answer (limit= understood):
// it then gives total. An older core answers the whole list.
function paged(res) {
  return typeof res.total === "number";
}

export async function renderList(ctx) {
  ctx.page("ues", "UEs", true);
  const state = { q: ctx.query.get("q") || "", st: ctx.query.get("state") || "" };
  const pager = new Pager(MAX_ROWS, "ue", () => reload().then(() => ctx.clearError(), (err) => ctx.error(err)));
  const fetchList = () => {
    const p = pager.query(new URLSearchParams());
    if (state.q) p.set("q", state.q);
    if (state.st) p.set("state", state.st);
    return ctx.api.get(`/api/v1/ues?${p}`, { signal: ctx.signal });
  };
  let list = await fetchList();
  const area = h("div", null);
  const count = h("span", { class: "muted", "data-testid": "ue-count" });
  const search = h("input", { type: "search", class: "input", value: state.q, placeholder: "Search by SUPI, 5G-GUTI or IP address", "data-testid": "ue-search", "aria-label": "Search UEs" });
  const stateSel = h("select", { class: "input input-narrow", "data-testid": "ue-state", "aria-label": "State" },
    [["", "All states"], ["registered", "Registered"], ["deregistered", "Deregistered"]].map(([v, l]) => h("option", { value: v, selected: v === state.st }, l)));
  const draw = () => {
    let ues;
    if (paged(list)) {
      ues = list.ues || [];
      pager.show(ues.length, list.total, list.next, "UEs");
      count.textContent = `${int(list.total)} UE${list.total === 1 ? "" : "s"}`;
    } else {
      const all = visible(list.ues || [], state.q);
      ues = all.slice(0, MAX_ROWS);
      pager.el.hidden = true;
      count.textContent = (all.length > ues.length
        ? `first ${int(ues.length)} of ${int(all.length)} UEs: search to narrow`
        : `${int(all.length)} UE${all.length === 1 ? "" : "s"}`) + ((list.ues || []).length > BIG_LIST ? ", refreshed every 10 s" : "");
    }
    replace(area, table({ class: "table", "data-testid": "ue-table" }, ["SUPI", "5G-GUTI", "5GMM", "CM", "gNB", "TAI", "Last activity"],
      ues.map((u) => h("tr", { "data-supi": u.supi },
        h("td", null, link(`/ues/${enc(u.supi)}`, mono(u.supi))),
        h("td", null, u.guti ? mono(u.guti) : "—"),
        h("td", null, badge(u.state)),
        h("td", null, badge(u.cm_state)),
        h("td", null, u.gnb ? link(`/gnbs/${enc(u.gnb)}`, mono(u.gnb)) : "—"),
        h("td", null, u.tai ? mono(u.tai) : "—"),
        h("td", { title: time(u.last_activity) }, ago(u.last_activity)))),
      state.q ? `No UE matches ${state.q}.` : "No UE context. UEs appear here as they register."));
  };
  const reload = async () => { list = await fetchList(); draw(); };
  let timer = 0;
  const apply = () => {
    state.q = search.value.trim();
    state.st = stateSel.value;
    pager.reset();
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    if (state.st) p.set("state", state.st);
    history.replaceState(null, "", `/ues${p.toString() ? `?${p}` : ""}`);
    reload().then(() => ctx.clearError(), (err) => ctx.error(err));
  };
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(apply, 250); });
  stateSel.addEventListener("change", apply);
  draw();
  ctx.poll(() => (!paged(list) && (list.ues || []).length > BIG_LIST ? 10000 : 2000), reload);
  return h("main", { id: "page-ues" },
    h("div", { class: "toolbar" }, search, stateSel, h("div", { class: "spacer" }), count),
    h("section", { class: "card card-flush" }, area, pager.el));
}

// visible keeps the UEs matching q by SUPI or 5G-GUTI. An address is
// matched by the API against the UEs' sessions (GET /api/v1/ues?q=), so
// a query that looks like one is left to it.
function visible(ues, q) {
  if (!q || /^[0-9a-fA-F]*[.:][0-9a-fA-F.:/]*$/.test(q)) return ues;
  const n = q.toLowerCase();
  return ues.filter((u) => u.supi.toLowerCase().includes(n) || (u.guti || "").toLowerCase().includes(n));
}

export async function renderDetail(ctx) {
  const supi = ctx.params.supi;
  ctx.page("ues", supi, true);
  const load = async () => {
    const ue = await ctx.api.get(`/api/v1/ues/${enc(supi)}`, { signal: ctx.signal });
    if (!Array.isArray(ue.sessions)) {
      const s = await ctx.api.get(`/api/v1/sessions?supi=${enc(supi)}`, { signal: ctx.signal });
      ue.sessions = s.sessions || [];
    }
    return ue;
  };
  const root = h("main", { id: "page-ue", "data-supi": supi });
  const deregister = async () => {
    const ok = await confirm({ title: `Deregister ${supi}?`, body: "Keel sends the UE a DEREGISTRATION REQUEST (TS 24.501 §5.5.2.3) and releases its PDU sessions. The UE may register again.", action: "Deregister", danger: true });
    if (!ok) return;
    try {
      await ctx.api.post(`/api/v1/ues/${enc(supi)}/deregister`);
      ctx.clearError();
      ctx.notice(`Deregistration of ${supi} started.`);
    } catch (err) {
      ctx.error(err);
    }
  };
  const draw = (u) => replace(root,
    h("div", { class: "toolbar" }, link("/ues", "← UEs"), h("div", { class: "spacer" }),
      link(`/subscribers/${enc(supi)}`, "Subscription"),
      h("button", { type: "button", class: "btn btn-danger", "data-testid": "ue-deregister", onclick: deregister }, "Deregister")),
    h("div", { class: "grid-2" },
      h("section", { class: "card" }, h("h2", null, "UE context"),
        dl([
          ["SUPI", mono(u.supi)],
          ["5G-GUTI", u.guti ? mono(u.guti) : "—"],
          ["5GMM state", badge(u.state)],
          ["CM state", badge(u.cm_state)],
          u.rrc_state ? ["RRC state", badge(u.rrc_state)] : null,
          ["Last activity", `${time(u.last_activity)} (${ago(u.last_activity)})`],
        ])),
      h("section", { class: "card" }, h("h2", null, "Location and N2"),
        dl([
          ["gNB", u.gnb ? link(`/gnbs/${enc(u.gnb)}`, mono(u.gnb)) : "—"],
          ["TAI", u.tai ? mono(u.tai) : "—"],
          ["NR cell", u.nr_cell_id ? mono(u.nr_cell_id) : "—"],
          ["Location reported", time(u.location_time)],
          ["AMF UE NGAP ID", u.amf_ue_ngap_id !== undefined ? mono(String(u.amf_ue_ngap_id)) : "—"],
          ["RAN UE NGAP ID", u.ran_ue_ngap_id !== undefined ? mono(String(u.ran_ue_ngap_id)) : "—"],
          ["Radio capability", u.radio_capability_octets ? `${u.radio_capability_octets} octets` : "—"],
        ]))),
    h("section", { class: "card card-flush" },
      h("div", { class: "card-head card-pad" }, h("h2", null, "PDU sessions")),
      sessionsTable(u.sessions || [], false)),
    h("section", { class: "card card-flush" },
      h("div", { class: "card-head card-pad" }, h("h2", null, "Recent procedures")),
      table({ class: "table", "data-testid": "ue-procedures" }, ["Time", "Procedure", "Result", "Cause", "Detail"],
        (u.procedures || []).map((p) => [h("span", { class: "nowrap" }, time(p.time)), p.procedure || "—", badge(p.result), p.cause || "—", p.detail || ""]),
        Array.isArray(u.procedures) ? "No recent procedure failure for this UE." : "This Keel does not report procedures per UE.")));
  draw(await load());
  ctx.poll(3000, async () => draw(await load()));
  return root;
}

// sessionsTable lists PDU sessions (GET /api/v1/sessions rows).
export function sessionsTable(all, withSUPI) {
  const list = all.slice(0, MAX_ROWS);
  const head = ["PDU session", "DNN", "Slice", "Type", "UE address", "User plane", "UPF", "↑ bytes", "↓ bytes"];
  const t = table({ class: "table", "data-testid": "session-table" }, withSUPI ? ["SUPI", ...head] : head,
    list.map((s) => h("tr", { "data-supi": s.supi, "data-psi": s.pdu_session_id },
      withSUPI ? h("td", null, link(`/ues/${enc(s.supi)}`, mono(s.supi))) : null,
      h("td", { class: "num" }, String(s.pdu_session_id)),
      h("td", null, s.dnn),
      h("td", null, snssai(s.snssai)),
      h("td", null, s.pdu_type),
      h("td", null, mono([s.ipv4, s.ipv6_prefix].filter(Boolean).join(", ") || "—")),
      h("td", null, badge(s.up_cnx_state || s.state)),
      h("td", null, mono(s.upf)),
      h("td", { class: "num" }, bytes(s.ul_bytes)),
      h("td", { class: "num" }, bytes(s.dl_bytes)))),
    "No PDU session.");
  if (all.length <= list.length) return t;
  return [t, h("p", { class: "muted card-pad" }, `First ${int(list.length)} of ${int(all.length)} sessions shown: filter by SUPI to see others.`)];
}
