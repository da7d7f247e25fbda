// DOM construction without markup strings: every piece of data reaches
// the page as a text node or an attribute value, never through innerHTML,
// so a subscriber field or gNB name holding "<script>" shows as text.

// h builds an element. attrs: "class", "data-*", other attributes, and
// "on<event>" functions (listeners). children: nodes, strings, numbers,
// arrays of them; null, undefined and false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

// s builds an SVG element, as h does.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "value" && "value" in el) {
      el.value = v;
    } else if (k === "checked" || k === "disabled" || k === "selected") {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// replace empties el and appends children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// link is an in-console link: the router handles the click without a
// page load.
export function link(href, ...children) {
  return h("a", { href, "data-link": "" }, ...children);
}

// table builds a table with a header row; rows are arrays of cells (a
// cell is a node or text) or already built <tr> elements.
export function table(attrs, headers, rows, empty) {
  const body = h("tbody", null);
  for (const r of rows) body.append(r instanceof Node ? r : h("tr", null, r.map((c) => h("td", null, c))));
  if (rows.length === 0 && empty) {
    body.append(h("tr", { class: "empty" }, h("td", { colspan: headers.length }, empty)));
  }
  return h("table", attrs, h("thead", null, h("tr", null, headers.map((x) => h("th", { scope: "col" }, x)))), body);
}

// badge is a short state label; its colour follows the value.
export function badge(value) {
  const v = String(value ?? "").toLowerCase();
  let tone = "neutral";
  if (["registered", "connected", "ready", "activated", "active", "ok", "up"].includes(v)) tone = "good";
  else if (["idle", "deactivated", "inactive", "activating", "deregistering", "connecting"].includes(v)) tone = "warn";
  else if (["deregistered", "failed", "down", "error", "released"].includes(v)) tone = "bad";
  return h("span", { class: `badge badge-${tone}` }, value ?? "—");
}

// mono is a value shown in a fixed-width font (identifiers, keys).
export function mono(value) {
  return h("span", { class: "mono" }, value ?? "—");
}

// copyButton copies text to the clipboard; the button says so briefly.
export function copyButton(text, label = "Copy", testid) {
  const b = h("button", { type: "button", class: "btn btn-small", "data-testid": testid, "data-copy": text }, label);
  b.addEventListener("click", async () => {
    try {
      await copyText(text);
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy";
    }
    setTimeout(() => { b.textContent = label; }, 1500);
  });
  return b;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain HTTP on a remote address: no Clipboard API. Copy through a
  // hidden text area, which execCommand still supports.
  const ta = h("textarea", { readonly: true, class: "offscreen" });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  const ok = document.execCommand("copy");
  ta.remove();
  if (!ok) throw new Error("copy refused");
}

// field is a labelled form control.
export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control, hint ? h("span", { class: "field-hint" }, hint) : null);
}

// definition list of [term, value] pairs.
export function dl(pairs) {
  return h("dl", { class: "props" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", null, k), h("dd", null, v ?? "—")]));
}
