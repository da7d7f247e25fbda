// Sign-in: the admin token buys a session cookie (HttpOnly,
// SameSite=Strict) and the CSRF token the console sends back.
import { h } from "../dom.js";

export function render({ api, frame, done }) {
  const token = h("input", { type: "password", id: "signin-token", name: "token", autocomplete: "current-password", required: true, spellcheck: "false", "data-testid": "signin-token", placeholder: "Admin token" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "signin-submit" }, "Sign in");
  const form = h("form", { class: "signin-form", "data-testid": "signin-form", novalidate: true },
    h("label", { class: "field", for: "signin-token" }, h("span", { class: "field-label" }, "Admin token"), token,
      h("span", { class: "field-hint" }, "Created on Keel's first start in ", h("code", null, "keel-data/admin-token"), ".")),
    submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      const session = await api.post("/api/v1/session", { token: token.value.trim() });
      frame.clearError();
      done(session);
    } catch (err) {
      frame.showError(err);
      token.select();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });
  queueMicrotask(() => token.focus());
  return h("main", { id: "page-signin", class: "signin" },
    h("div", { class: "signin-card card" },
      h("div", { class: "signin-brand" }, h("span", { class: "brand-mark brand-mark-large", "aria-hidden": "true" }), h("div", null, h("div", { class: "signin-title" }, "Keel"), h("div", { class: "muted" }, "5G Standalone core · operator console"))),
      form));
}
