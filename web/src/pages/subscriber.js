// One subscriber: its subscription, changed with PATCH (only the fields
// sent change; K and OPc are write-only), or deleted.
import { h, replace, table, link, mono, field, dl } from "../dom.js";
import { confirm } from "../ui.js";
import { enc } from "../api.js";
import { randomKey, keysOnce, HEX32 } from "../keys.js";

export async function render(ctx) {
  const supi = ctx.params.supi;
  ctx.page("subscribers", supi);
  let sub = await ctx.api.get(`/api/v1/subscribers/${enc(supi)}`, { signal: ctx.signal });
  const root = h("main", { id: "page-subscriber", "data-supi": supi });
  const keysArea = h("div", null);
  const draw = () => replace(root,
    h("div", { class: "toolbar" },
      link("/subscribers", "← Subscribers"),
      h("div", { class: "spacer" }),
      link(`/ues/${enc(supi)}`, "UE context"),
      link(`/sessions?supi=${enc(supi)}`, "Sessions"),
      h("button", { type: "button", class: "btn btn-danger", "data-testid": "sub-delete", onclick: remove }, "Delete subscriber")),
    keysArea,
    summary(sub),
    editForm(ctx, sub, (updated, generated) => {
      sub = updated;
      draw();
      replace(keysArea, generated.length ? keysOnce(supi, generated) : null);
    }));
  const remove = async () => {
    const ok = await confirm({ title: `Delete ${supi}?`, body: "The subscription is removed. A UE registered with it is deregistered by the network and its PDU sessions are released.", action: "Delete", danger: true });
    if (!ok) return;
    try {
      await ctx.api.del(`/api/v1/subscribers/${enc(supi)}`);
      ctx.navigate("/subscribers");
      ctx.notice(`Deleted ${supi}.`);
    } catch (err) {
      ctx.error(err);
    }
  };
  draw();
  return root;
}

function summary(sub) {
  return h("div", null,
    h("section", { class: "card" },
      h("h2", null, "Subscription"),
      h("div", { class: "props-2" }, dl([
        ["SUPI", mono(sub.supi)],
        ["Operator key", sub.op_type === "op" ? "OP (OPc derived by Keel)" : "OPc"],
        ["AMF", mono(sub.amf)],
        ["SQN", mono(sub.sqn)],
      ]), dl([
        ["UE-AMBR", sub.ue_ambr ? `↑ ${sub.ue_ambr.uplink} · ↓ ${sub.ue_ambr.downlink}` : "—"],
        ["Slices", (sub.nssai || []).map((n) => h("span", { class: n.default ? "chip chip-strong" : "chip" }, (n.sd ? `${n.sst}/${n.sd}` : String(n.sst)) + (n.default ? " · default" : "")))],
        ["DNNs", (sub.dnns || []).map((d) => h("span", { class: "chip" }, d.dnn))],
      ]))),
    h("section", { class: "card card-flush" },
      h("div", { class: "card-head card-pad" }, h("h2", null, "DNNs")),
      table({ class: "table", "data-testid": "sub-dnn-table" }, ["DNN", "Slice", "Session AMBR ↑ / ↓", "5QI", "ARP", "Static address", "PCC rules"],
        (sub.dnns || []).map((d) => [
          d.dnn, d.sd ? `${d.sst}/${d.sd}` : String(d.sst ?? "—"),
          d.session_ambr ? `${d.session_ambr.uplink} / ${d.session_ambr.downlink}` : "—",
          String(d["5qi"] ?? "—"), String(d.arp_priority ?? "—"),
          [d.static_ipv4, d.static_ipv6].filter(Boolean).join(", ") || "—",
          d.pcc_rules && d.pcc_rules.length ? d.pcc_rules.map((r) => h("span", { class: "chip" }, r.id)) : "—",
        ]), "No DNN: the subscriber can register but not open a PDU session.")));
}

function editForm(ctx, sub, saved) {
  const amf = h("input", { class: "input mono", value: sub.amf, pattern: "[0-9a-fA-F]{4}", "data-testid": "sub-amf" });
  const ul = h("input", { class: "input", value: sub.ue_ambr?.uplink || "", "data-testid": "sub-ambr-ul" });
  const dlInput = h("input", { class: "input", value: sub.ue_ambr?.downlink || "", "data-testid": "sub-ambr-dl" });
  const k = h("input", { class: "input mono", placeholder: "unchanged", "data-testid": "sub-k", autocomplete: "off", spellcheck: "false", maxlength: 32 });
  const opType = h("select", { class: "input", "data-testid": "sub-op-type" }, h("option", { value: "opc", selected: sub.op_type !== "op" }, "OPc"), h("option", { value: "op", selected: sub.op_type === "op" }, "OP"));
  const opc = h("input", { class: "input mono", placeholder: "unchanged", "data-testid": "sub-opc", autocomplete: "off", spellcheck: "false", maxlength: 32 });
  const gen = (input) => h("button", { type: "button", class: "btn btn-small", "data-testid": `${input.dataset.testid}-generate`, onclick: () => { input.value = randomKey(); input.dataset.generated = "1"; } }, "Generate");
  const json = h("textarea", { class: "input mono code", rows: 14, spellcheck: "false", "data-testid": "sub-edit-json" });
  json.value = JSON.stringify({ nssai: sub.nssai || [], dnns: sub.dnns || [] }, null, 2);
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "sub-save" }, "Save changes");
  const form = h("form", { class: "card form", "data-testid": "sub-edit-form", novalidate: true },
    h("h2", null, "Change"),
    h("div", { class: "form-grid" },
      field("AMF", amf),
      field("UE-AMBR uplink", ul),
      field("UE-AMBR downlink", dlInput),
      field("New K", h("div", { class: "input-group" }, k, gen(k)), "Empty keeps the stored K."),
      field(h("span", null, "New operator key ", opType), h("div", { class: "input-group" }, opc, gen(opc)), "Empty keeps the stored key.")),
    field("Slices and DNNs (JSON, as the API takes them)", json, "nssai: [{sst, sd, default}], dnns: [{dnn, sst, sd, session_ambr, 5qi, arp_priority, static_ipv4, static_ipv6, pcc_rules}]"),
    h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const req = {};
    if (amf.value.trim() !== sub.amf) req.amf = amf.value.trim();
    if (ul.value.trim() !== (sub.ue_ambr?.uplink || "") || dlInput.value.trim() !== (sub.ue_ambr?.downlink || "")) {
      req.ue_ambr = { uplink: ul.value.trim(), downlink: dlInput.value.trim() };
    }
    const generated = [];
    if (k.value.trim()) {
      if (!HEX32.test(k.value.trim())) return ctx.error("k: want 32 hexadecimal digits");
      req.k = k.value.trim();
      if (k.dataset.generated) generated.push(["K", req.k]);
    }
    if (opc.value.trim()) {
      if (!HEX32.test(opc.value.trim())) return ctx.error(`${opType.value}: want 32 hexadecimal digits`);
      req[opType.value] = opc.value.trim();
      if (opc.dataset.generated) generated.push([opType.value === "op" ? "OP" : "OPc", req[opType.value]]);
    } else if ((opType.value === "op") !== (sub.op_type === "op")) {
      return ctx.error(`${opType.value}: give the new ${opType.value === "op" ? "OP" : "OPc"} to change the key type`);
    }
    let more;
    try {
      more = JSON.parse(json.value);
    } catch (err) {
      return ctx.error(`Slices and DNNs: not JSON: ${err.message}`);
    }
    if (!more || typeof more !== "object" || Array.isArray(more)) return ctx.error("Slices and DNNs: want a JSON object with nssai and dnns");
    for (const [key, v] of Object.entries(more)) {
      if (!["nssai", "dnns"].includes(key)) return ctx.error(`Slices and DNNs: unknown field ${key}`);
      if (JSON.stringify(v) !== JSON.stringify(key === "nssai" ? sub.nssai || [] : sub.dnns || [])) req[key] = v;
    }
    if (Object.keys(req).length === 0) {
      ctx.notice("Nothing changed.");
      return;
    }
    submit.disabled = true;
    try {
      const updated = await ctx.api.patch(`/api/v1/subscribers/${enc(sub.supi)}`, req);
      ctx.clearError();
      ctx.notice(`Saved ${sub.supi}.`);
      saved(updated, generated);
    } catch (err) {
      ctx.error(err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
