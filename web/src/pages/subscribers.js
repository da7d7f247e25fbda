// Subscribers: a page of the store at a time (GET /api/v1/subscribers,
// cursor "after"), search by SUPI prefix, create, delete and import.
import { h, replace, table, link, mono, field } from "../dom.js";
import { int } from "../format.js";
import { confirm } from "../ui.js";
import { enc } from "../api.js";
import { randomKey, keysOnce, HEX32 } from "../keys.js";

export async function render(ctx) {
  ctx.page("subscribers", "Subscribers");
  const state = { limit: 50, prefix: "", cursors: [], after: "", page: null };
  const load = async () => {
    const q = new URLSearchParams({ limit: String(state.limit) });
    if (state.after) q.set("after", state.after);
    if (state.prefix) q.set("supi_prefix", state.prefix);
    state.page = await ctx.api.get(`/api/v1/subscribers?${q}`, { signal: ctx.signal });
  };
  await load();

  const listArea = h("div", null);
  const reportArea = h("div", null);
  const keysArea = h("div", null);
  const root = h("main", { id: "page-subscribers" });

  const refresh = async () => {
    try {
      await load();
      drawList();
    } catch (err) {
      ctx.error(err);
    }
  };

  const search = h("input", { type: "search", class: "input", placeholder: "Search by SUPI or its first digits", "data-testid": "sub-search", "aria-label": "Search subscribers" });
  let searchTimer = 0;
  const applySearch = () => {
    const v = search.value.trim();
    state.prefix = /^\d+$/.test(v) ? `imsi-${v}` : v;
    state.cursors = [];
    state.after = "";
    refresh();
  };
  search.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(applySearch, 300); });
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { clearTimeout(searchTimer); applySearch(); } });

  const limitSel = h("select", { class: "input input-narrow", "data-testid": "sub-limit", "aria-label": "Rows per page" },
    [25, 50, 100, 250].map((n) => h("option", { value: n, selected: n === state.limit }, `${n} per page`)));
  limitSel.addEventListener("change", () => { state.limit = Number(limitSel.value); state.cursors = []; state.after = ""; refresh(); });

  const prev = h("button", { type: "button", class: "btn", "data-testid": "sub-prev" }, "← Previous");
  const next = h("button", { type: "button", class: "btn", "data-testid": "sub-next" }, "Next →");
  const range = h("span", { class: "muted", "data-testid": "sub-range" });
  prev.addEventListener("click", () => { state.after = state.cursors.pop() || ""; refresh(); });
  next.addEventListener("click", () => {
    if (!state.page.next) return;
    state.cursors.push(state.after);
    state.after = state.page.next;
    refresh();
  });

  const remove = async (supi) => {
    const ok = await confirm({ title: `Delete ${supi}?`, body: "The subscription is removed. A UE registered with it is deregistered by the network and its PDU sessions are released.", action: "Delete", danger: true });
    if (!ok) return;
    try {
      await ctx.api.del(`/api/v1/subscribers/${enc(supi)}`);
      ctx.clearError();
      ctx.notice(`Deleted ${supi}.`);
      await refresh();
    } catch (err) {
      ctx.error(err);
    }
  };

  const drawList = () => {
    const p = state.page || {};
    const subs = Array.isArray(p.subscribers) ? p.subscribers : [];
    const from = state.cursors.length * state.limit;
    range.textContent = subs.length ? `${int(from + 1)}–${int(from + subs.length)} of ${int(p.total)}` : `0 of ${int(p.total)}`;
    prev.disabled = state.cursors.length === 0;
    next.disabled = !p.next;
    replace(listArea, table({ class: "table", "data-testid": "sub-table" },
      ["SUPI", "Key", "AMF", "SQN", "UE-AMBR ↑ / ↓", "Slices", "DNNs", ""],
      subs.map((x) => h("tr", { "data-supi": x.supi },
        h("td", null, link(`/subscribers/${enc(x.supi)}`, mono(x.supi))),
        h("td", null, x.op_type === "op" ? "OP" : "OPc"),
        h("td", null, mono(x.amf)),
        h("td", null, mono(x.sqn)),
        h("td", null, x.ue_ambr ? `${x.ue_ambr.uplink} / ${x.ue_ambr.downlink}` : "—"),
        h("td", null, (x.nssai || []).map((n) => h("span", { class: n.default ? "chip chip-strong" : "chip", title: n.default ? "default slice" : "" }, n.sd ? `${n.sst}/${n.sd}` : String(n.sst)))),
        h("td", null, (x.dnns || []).map((d) => h("span", { class: "chip" }, d.dnn))),
        h("td", { class: "actions" },
          link(`/subscribers/${enc(x.supi)}`, "Edit"),
          h("button", { type: "button", class: "btn btn-small btn-danger-ghost", "data-testid": "sub-delete", onclick: () => remove(x.supi) }, "Delete")))),
      state.prefix ? `No subscriber's SUPI starts with ${state.prefix}.` : "No subscribers yet: create one or import a file."));
  };
  drawList();

  const createPanel = createForm(ctx, (supi, generated) => {
    replace(keysArea, generated.length ? keysOnce(supi, generated) : null);
    refresh();
  });
  const importPanel = importForm(ctx, reportArea, refresh);
  createPanel.hidden = true;
  importPanel.hidden = true;
  const toggle = (panel, other) => { panel.hidden = !panel.hidden; other.hidden = true; if (!panel.hidden) { const first = panel.querySelector("input"); if (first) first.focus(); } };

  replace(root,
    h("div", { class: "toolbar" },
      search, limitSel,
      h("div", { class: "spacer" }),
      h("button", { type: "button", class: "btn", "data-testid": "sub-import-open", onclick: () => toggle(importPanel, createPanel) }, "Import…"),
      h("button", { type: "button", class: "btn btn-primary", "data-testid": "sub-new", onclick: () => toggle(createPanel, importPanel) }, "New subscriber")),
    keysArea, createPanel, importPanel, reportArea,
    h("section", { class: "card card-flush" }, listArea,
      h("div", { class: "pager" }, range, h("div", { class: "spacer" }), prev, next)));
  return root;
}

// parseSlices reads "1, 1/000001" (or "1:000001") into the API's nssai.
export function parseSlices(text) {
  const out = [];
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const [sst, sd] = part.split(/[/:]/);
    out.push(sd ? { sst: Number(sst), sd } : { sst: Number(sst) });
  }
  return out;
}

function createForm(ctx, created) {
  const supi = h("input", { class: "input mono", required: true, placeholder: "imsi-001010000000001", pattern: "imsi-[0-9]{6,15}", "data-testid": "sub-supi", autocomplete: "off", spellcheck: "false" });
  const k = h("input", { class: "input mono", placeholder: "32 hex digits; empty: random", "data-testid": "sub-k", autocomplete: "off", spellcheck: "false", maxlength: 32 });
  const opType = h("select", { class: "input", "data-testid": "sub-op-type" }, h("option", { value: "opc" }, "OPc"), h("option", { value: "op" }, "OP"));
  const opc = h("input", { class: "input mono", placeholder: "32 hex digits; empty: random", "data-testid": "sub-opc", autocomplete: "off", spellcheck: "false", maxlength: 32 });
  const amf = h("input", { class: "input mono", value: "8000", pattern: "[0-9a-fA-F]{4}", "data-testid": "sub-amf" });
  const sqn = h("input", { class: "input mono", placeholder: "000000000000", pattern: "[0-9a-fA-F]{12}", "data-testid": "sub-sqn" });
  const ul = h("input", { class: "input", placeholder: "default", "data-testid": "sub-ambr-ul" });
  const dl = h("input", { class: "input", placeholder: "default", "data-testid": "sub-ambr-dl" });
  const slices = h("input", { class: "input", placeholder: "default, e.g. 1, 1/000001", "data-testid": "sub-nssai" });
  const dnns = h("input", { class: "input", placeholder: "default, e.g. internet, ims", "data-testid": "sub-dnns" });
  const gen = (input) => h("button", { type: "button", class: "btn btn-small", "data-testid": `${input.dataset.testid}-generate`, onclick: () => { input.value = randomKey(); } }, "Generate");
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "sub-create-submit" }, "Create subscriber");
  const form = h("form", { class: "card form", "data-testid": "sub-create-form", novalidate: true },
    h("h2", null, "New subscriber"),
    h("div", { class: "form-grid" },
      field("SUPI", supi),
      field("AMF (authentication management field)", amf),
      field("K", h("div", { class: "input-group" }, k, gen(k)), "Generated in this browser if left empty."),
      field(h("span", null, "Operator key ", opType), h("div", { class: "input-group" }, opc, gen(opc))),
      field("UE-AMBR uplink", ul, "e.g. 1 Gbps"),
      field("UE-AMBR downlink", dl, "e.g. 2 Gbps"),
      field("Slices (SST or SST/SD)", slices),
      field("DNNs", dnns, "in the first slice"),
      field("SQN", sqn, "12 hex digits; only when moving a SIM from another core")),
    h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const generated = [];
    let kv = k.value.trim();
    let ov = opc.value.trim();
    const opName = opType.value === "op" ? "OP" : "OPc";
    if (!kv) { kv = randomKey(); generated.push(["K", kv]); }
    if (!ov) { ov = randomKey(); generated.push([opName, ov]); }
    if (!HEX32.test(kv) || !HEX32.test(ov)) {
      ctx.error(`${HEX32.test(kv) ? opName : "K"}: want 32 hexadecimal digits`);
      return;
    }
    const req = { supi: supi.value.trim(), k: kv, [opType.value]: ov };
    if (amf.value.trim()) req.amf = amf.value.trim();
    if (sqn.value.trim()) req.sqn = sqn.value.trim();
    if (ul.value.trim() || dl.value.trim()) req.ue_ambr = { uplink: ul.value.trim(), downlink: dl.value.trim() };
    if (slices.value.trim()) req.nssai = parseSlices(slices.value);
    if (dnns.value.trim()) req.dnns = dnns.value.split(/[\s,;]+/).filter(Boolean).map((d) => ({ dnn: d }));
    submit.disabled = true;
    try {
      const sub = await ctx.api.post("/api/v1/subscribers", req);
      ctx.clearError();
      ctx.notice(`Created ${sub.supi}.`);
      for (const input of [supi, k, opc, sqn]) input.value = "";
      form.hidden = true;
      created(sub.supi, generated);
    } catch (err) {
      ctx.error(err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// csvTemplate is an example import with fresh random keys, so that no
// well-known key reaches a real SIM by copy and paste.
function csvTemplate() {
  return `supi,k,opc,amf,sst,sd,dnn\nimsi-001010000000001,${randomKey()},${randomKey()},8000,1,,internet\n`;
}

function importForm(ctx, reportArea, imported) {
  const file = h("input", { type: "file", class: "input", accept: ".csv,.json,text/csv,application/json", required: true, "data-testid": "import-file" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "import-submit" }, "Import");
  const template = h("button", { type: "button", class: "btn btn-ghost", onclick: () => download("subscribers.csv", csvTemplate(), "text/csv") }, "CSV template");
  const form = h("form", { class: "card form", "data-testid": "import-form", novalidate: true },
    h("h2", null, "Import subscribers"),
    h("p", { class: "muted" }, "A CSV file with a header line (columns among supi, k, opc, op, amf, sqn, ue_ambr_uplink, ue_ambr_downlink, sst, sd, dnn, 5qi, arp_priority, session_ambr_uplink, session_ambr_downlink, static_ipv4, static_ipv6) or a JSON array of subscribers. All or nothing: one refused row and nothing is stored; every refused row is listed."),
    h("div", { class: "form-row" }, file, submit, template));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = file.files && file.files[0];
    if (!f) {
      ctx.error("Choose a CSV or JSON file to import.");
      return;
    }
    const name = f.name.toLowerCase();
    const type = name.endsWith(".csv") ? "text/csv" : name.endsWith(".json") ? "application/json" : f.type || "text/csv";
    submit.disabled = true;
    submit.textContent = "Importing…";
    replace(reportArea);
    try {
      const res = await ctx.api.request("POST", "/api/v1/subscribers/import", { body: f, contentType: type });
      ctx.clearError();
      ctx.notice(`Imported ${int(res.imported)} subscribers from ${f.name}.`);
      file.value = "";
      imported();
    } catch (err) {
      ctx.error(err);
      if (err.rows && err.rows.length) replace(reportArea, importReport(f.name, err));
    } finally {
      submit.disabled = false;
      submit.textContent = "Import";
    }
  });
  return form;
}

// importReport lists the refused rows of an import (CSV: line numbers,
// the header is line 1; JSON: positions from 1).
function importReport(name, err) {
  return h("section", { class: "card card-flush report" },
    h("div", { class: "card-head card-pad" }, h("h2", null, `Refused rows of ${name}`), h("span", { class: "muted" }, "Nothing was stored.")),
    table({ class: "table", "data-testid": "import-report" }, ["Row", "Field", "Reason"],
      err.rows.map((r) => h("tr", { class: "import-row", "data-testid": "import-row", "data-row": r.row },
        h("td", { class: "num" }, int(r.row)), h("td", null, r.field ? mono(r.field) : "—"), h("td", null, r.reason)))),
    err.moreRows ? h("p", { class: "muted card-pad" }, `${int(err.moreRows)} more refused rows are not listed.`) : null);
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name, class: "offscreen" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
