// SIM provisioning: the home network public keys (GET
// /api/v1/home-network-keys) and the SIM files that make the UE conceal
// its SUPI with them (TS 33.501 §6.12.2, TS 31.102 §4.4.11).
import { h, replace, table, mono, copyButton, field } from "../dom.js";
import { suciCalcInfo, routingIndicator, SCHEME_ID } from "../simfiles.js";

const SCHEME_NAME = { A: "Profile A · X25519", B: "Profile B · P-256" };

export async function render(ctx) {
  ctx.page("sim", "SIM provisioning");
  const { keys = [] } = await ctx.api.get("/api/v1/home-network-keys", { signal: ctx.signal });
  let plmn = "";
  try {
    plmn = (await ctx.api.get("/api/v1/config", { signal: ctx.signal })).plmn || "";
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    // The example SUCI only needs the PLMN; the page works without it.
  }

  const ri = h("input", { class: "input mono input-narrow", value: "0", maxlength: 4, "data-testid": "sim-ri", "aria-label": "Routing indicator" });
  const withNull = h("input", { type: "checkbox", "data-testid": "sim-null" });
  const bForm = h("select", { class: "input", "data-testid": "sim-b-form" },
    h("option", { value: "compressed" }, "compressed, 33 octets"),
    h("option", { value: "uncompressed" }, "uncompressed, 65 octets"));
  const picks = keys.map((k) => ({ k, box: h("input", { type: "checkbox", checked: true, "data-testid": `sim-use-${k.id}` }) }));
  const out = h("div", null);

  const draw = () => {
    const chosen = picks.filter((p) => p.box.checked).map(({ k }) => ({
      id: k.id, scheme: k.scheme,
      key: k.scheme === "B" && bForm.value === "uncompressed" && k.public_key_uncompressed ? k.public_key_uncompressed : k.public_key,
    }));
    const info = suciCalcInfo(chosen, withNull.checked);
    const riHex = routingIndicator(ri.value.trim());
    ri.classList.toggle("invalid", riHex === null);
    const first = chosen[0];
    const mcc = plmn.slice(0, 3), mnc = plmn.slice(3);
    replace(out,
      h("section", { class: "card" },
        h("h2", null, "EF UST (USIM Service Table)"),
        h("p", null, "Service n°124 (subscription identifier privacy support) available; service n°125 (SUCI calculation by the USIM) not available: the UE computes the SUCI from the two files below.")),
      h("section", { class: "card" },
        h("div", { class: "card-head" }, h("h2", null, "EF SUCI_Calc_Info"), h("span", { class: "muted" }, "DF5GS, file '4F07', TS 31.102 §4.4.11.8")),
        chosen.length === 0 && !withNull.checked
          ? h("p", { class: "warn-text" }, "Choose at least one key, or the null scheme.")
          : [
            h("div", { class: "hex-row" }, h("code", { class: "mono hex", "data-testid": "sim-suci-calc-info" }, info.hex.toUpperCase()), copyButton(info.hex.toUpperCase(), "Copy", "copy-suci-calc-info")),
            table({ class: "table table-compact" }, ["Object", "Bytes", "Meaning"],
              [["A0", info.a0.slice(0, 4).toUpperCase(), "Protection Scheme Identifier List: tag, length"],
                ...info.parts.filter((p) => p.where === "A0").map((p) => ["A0", p.hex.toUpperCase(), p.what]),
                ...(info.a1 ? [["A1", info.a1.slice(0, info.a1.startsWith("a181") ? 6 : 4).toUpperCase(), "Home Network Public Key List: tag, length"]] : []),
                ...info.parts.filter((p) => p.where === "A1").map((p) => ["A1", p.hex.toUpperCase(), p.what]),
              ].map(([o, b, m]) => [mono(o), h("code", { class: "mono hex" }, b), m])),
          ]),
      h("section", { class: "card" },
        h("div", { class: "card-head" }, h("h2", null, "EF Routing_Indicator"), h("span", { class: "muted" }, "DF5GS, file '4F0A', TS 31.102 §4.4.11.11")),
        riHex
          ? h("div", { class: "hex-row" }, h("code", { class: "mono hex", "data-testid": "sim-routing-indicator" }, riHex), copyButton(riHex, "Copy", "copy-routing-indicator"))
          : h("p", { class: "warn-text" }, "The routing indicator is 1 to 4 decimal digits."),
        h("p", { class: "muted" }, "BCD digits, unused digits F, then two RFU bytes FF. Keel as configured by default serves every routing indicator.")),
      first && plmn && riHex
        ? h("section", { class: "card" }, h("h2", null, "The SUCI the UE will send"),
          h("p", null, mono(`suci-0-${mcc}-${mnc}-${ri.value.trim()}-${SCHEME_ID[first.scheme]}-${first.id}-<scheme output>`)),
          h("p", { class: "muted" }, "TS 23.003 §2.2B: SUPI type 0 (IMSI), the home network (MCC, MNC), routing indicator, protection scheme and home network public key identifier in clear; the MSIN concealed in the scheme output."))
        : null);
  };
  for (const el of [ri, withNull, bForm, ...picks.map((p) => p.box)]) el.addEventListener("input", draw);
  draw();

  // The keys' order is their priority on the SIM; "Up" moves one ahead.
  const keyArea = h("div", null);
  const up = (i) => {
    [picks[i - 1], picks[i]] = [picks[i], picks[i - 1]];
    drawKeys();
    draw();
  };
  const drawKeys = () => replace(keyArea,
    table({ class: "table", "data-testid": "hnkey-table" }, ["Use", "Priority", "Identifier", "Scheme", "Public key", ""],
        picks.map(({ k, box }, i) => h("tr", { "data-key-id": k.id },
          h("td", null, box),
          h("td", { class: "nowrap" }, String(i + 1), i > 0 ? h("button", { type: "button", class: "btn btn-small btn-ghost", title: "Move up", "aria-label": `Give key ${k.id} priority ${i}`, "data-testid": `sim-up-${k.id}`, onclick: () => up(i) }, "↑") : null),
          h("td", { class: "num" }, mono(String(k.id))),
          h("td", { class: "nowrap" }, SCHEME_NAME[k.scheme] || k.scheme),
          h("td", { class: "key-cell" }, h("code", { class: "mono hex" }, k.public_key),
            k.public_key_uncompressed ? h("div", { class: "muted small" }, "uncompressed: ", h("code", { class: "mono hex" }, k.public_key_uncompressed)) : null),
          h("td", { class: "actions" }, copyButton(k.public_key, "Copy", `copy-hnkey-${k.id}`),
            k.public_key_uncompressed ? copyButton(k.public_key_uncompressed, "Copy uncompressed", `copy-hnkey-${k.id}-uncompressed`) : null))),
        "Keel has no home network key: SUCIs can only use the null scheme."));
  drawKeys();

  return h("main", { id: "page-sim" },
    h("section", { class: "card card-flush" },
      h("div", { class: "card-head card-pad" }, h("h2", null, "Home network public keys"), h("span", { class: "muted" }, "TS 33.501 §6.12, Annex C.3.4")),
      keyArea),
    h("section", { class: "card form" },
      h("h2", null, "What to write on a SIM"),
      h("p", { class: "muted" }, "The keys ticked above go into the SIM in their order of priority: the UE uses the first whose scheme it supports. The SIM's K and OPc come from the subscriber's creation (shown once there)."),
      h("div", { class: "form-grid" },
        field("Routing indicator", ri, "1 to 4 digits; 0 when the operator has none"),
        field("Profile B key form", bForm, "Most SIM tools take the compressed point; some need it uncompressed"),
        h("label", { class: "check" }, withNull, "Allow the null scheme last (a UE without profile A or B then sends its SUPI in clear)"))),
    out);
}
