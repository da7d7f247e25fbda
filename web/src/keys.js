// Subscriber keys made in the browser: K and OPc (or OP) are 128-bit
// random values (TS 33.102 §6.3.7, TS 35.206), drawn with
// crypto.getRandomValues, the platform's CSPRNG; they never come from
// the server, which does not return them once stored.
import { h, copyButton } from "./dom.js";

export function randomKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export const HEX32 = /^[0-9a-fA-F]{32}$/;

// keysOnce shows keys once, each with a copy button, until dismissed.
// Keel never shows them again: the API has no way to read them back.
export function keysOnce(supi, keys, onDismiss) {
  const panel = h("section", { class: "card keys-once", "data-testid": "keys-once" },
    h("div", { class: "card-head" },
      h("h2", null, `Keys of ${supi}`),
      h("button", { type: "button", class: "btn btn-small", "data-testid": "keys-dismiss", onclick: () => { panel.remove(); if (onDismiss) onDismiss(); } }, "I have saved them")),
    h("p", { class: "warn-text" }, "Shown once. Keel stores these keys but never returns them: copy them now for the SIM."),
    h("dl", { class: "props" }, keys.map(([name, value]) => [
      h("dt", null, name),
      h("dd", { class: "key-row" }, h("code", { class: "mono key", "data-testid": `key-${name.toLowerCase()}` }, value), copyButton(value, "Copy", `copy-${name.toLowerCase()}`)),
    ])));
  return panel;
}
