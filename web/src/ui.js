// The page frame: navigation, the error and notice areas, the
// confirmation dialog.
import { h, replace } from "./dom.js";

export const NAV = [
  ["overview", "/", "Overview"],
  ["gnbs", "/gnbs", "gNBs"],
  ["ues", "/ues", "UEs"],
  ["sessions", "/sessions", "Sessions"],
  ["subscribers", "/subscribers", "Subscribers"],
  ["sim", "/sim", "SIM provisioning"],
  ["config", "/config", "Configuration"],
  ["events", "/events", "Events"],
];

// Frame is what the pages draw into. One error element
// ([data-testid=error], role=alert) shows every failure.
export class Frame {
  constructor(root) {
    this.root = root;
    this.alert = null;
    this.notice = null;
    this.view = null;
    this.mode = "";
    this.errorSource = "";
    this.noticeTimer = 0;
  }

  // app draws the frame with navigation (once), and returns the view.
  app(onSignOut) {
    if (this.mode === "app") return this.view;
    this.mode = "app";
    this.alert = h("div", { class: "alert", role: "alert", "data-testid": "error", hidden: true });
    this.notice = h("div", { class: "notice", role: "status", "data-testid": "notice", hidden: true });
    this.view = h("div", { id: "view" });
    this.title = h("h1", { class: "title" }, "");
    this.live = h("span", { class: "live", hidden: true, title: "This page refreshes itself" }, "Live");
    const nav = h("nav", { class: "nav", "aria-label": "Console" },
      NAV.map(([name, href, label]) => h("a", { href, "data-link": "", "data-nav": name }, h("span", { class: `nav-icon icon-${name}`, "aria-hidden": "true" }), label)));
    replace(this.root,
      h("div", { class: "shell" },
        h("aside", { class: "sidebar" },
          h("a", { class: "brand", href: "/", "data-link": "" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), h("span", null, "Keel"), h("span", { class: "brand-sub" }, "5G core")),
          nav),
        h("div", { class: "content" },
          h("header", { class: "topbar" }, this.title,
            h("div", { class: "topbar-right" }, this.live,
              h("button", { type: "button", class: "btn btn-ghost", "data-testid": "signout", onclick: onSignOut }, "Sign out"))),
          this.alert, this.notice, this.view)));
    return this.view;
  }

  // bare draws a page without navigation (sign-in), and returns its view.
  bare() {
    this.mode = "bare";
    this.alert = h("div", { class: "alert", role: "alert", "data-testid": "error", hidden: true });
    this.notice = h("div", { class: "notice", role: "status", "data-testid": "notice", hidden: true });
    this.view = h("div", { class: "bare-view" });
    replace(this.root, h("div", { class: "bare" }, this.alert, this.view));
    return this.view;
  }

  setPage(name, title, live) {
    document.title = title ? `${title} · Keel` : "Keel";
    if (this.mode !== "app") return;
    this.title.textContent = title;
    this.live.hidden = !live;
    for (const a of this.root.querySelectorAll("[data-nav]")) {
      if (a.dataset.nav === name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  // showError shows err (an ApiError, Error or text). source tags it so
  // that the poll which raised it can clear it once it succeeds again.
  showError(err, source = "") {
    const text = err && typeof err.text === "function" ? err.text() : err && err.message ? err.message : String(err);
    this.errorSource = source;
    this.alert.textContent = text;
    this.alert.hidden = false;
    this.clearNotice();
  }

  clearError(source) {
    if (source !== undefined && source !== this.errorSource) return;
    this.alert.textContent = "";
    this.alert.hidden = true;
    this.errorSource = "";
  }

  showNotice(text) {
    clearTimeout(this.noticeTimer);
    if (!this.notice) return;
    this.notice.textContent = text;
    this.notice.hidden = false;
    this.noticeTimer = setTimeout(() => { this.notice.hidden = true; }, 6000);
  }

  clearNotice() {
    clearTimeout(this.noticeTimer);
    if (this.notice) this.notice.hidden = true;
  }
}

// confirm asks before a state-changing action; it resolves true when the
// operator confirms. The dialog is [data-testid=confirm], its buttons
// confirm-ok and confirm-cancel.
export function confirm({ title, body, action = "Confirm", danger = false }) {
  return new Promise((resolve) => {
    const ok = h("button", { type: "submit", value: "ok", class: danger ? "btn btn-danger" : "btn btn-primary", "data-testid": "confirm-ok" }, action);
    const cancel = h("button", { type: "submit", value: "cancel", class: "btn", "data-testid": "confirm-cancel" }, "Cancel");
    const dialog = h("dialog", { class: "dialog", "data-testid": "confirm" },
      h("form", { method: "dialog" },
        h("h2", null, title),
        h("p", null, body),
        h("div", { class: "dialog-actions" }, cancel, ok)));
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
