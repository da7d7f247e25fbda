// Keel's operator console: a client-side router over the management API.
// Pages are plain modules; each builds its <main id="page-NAME"> once its
// data has loaded, and live pages poll their endpoint without reloading.
import { Client } from "./api.js";
import { Frame } from "./ui.js";
import { h, replace } from "./dom.js";
import * as signin from "./pages/signin.js";
import * as overview from "./pages/overview.js";
import * as gnbs from "./pages/gnbs.js";
import * as ues from "./pages/ues.js";
import * as sessions from "./pages/sessions.js";
import * as subscribers from "./pages/subscribers.js";
import * as subscriber from "./pages/subscriber.js";
import * as sim from "./pages/sim.js";
import * as config from "./pages/config.js";
import * as events from "./pages/events.js";

// Routes: path pattern (":name" takes one segment) and the page's render
// function, which returns the page's <main> once its data has loaded.
const ROUTES = [
  ["/", overview.render],
  ["/gnbs", gnbs.renderList],
  ["/gnbs/:id", gnbs.renderDetail],
  ["/ues", ues.renderList],
  ["/ues/:supi", ues.renderDetail],
  ["/sessions", sessions.render],
  ["/subscribers", subscribers.render],
  ["/subscribers/:supi", subscriber.render],
  ["/sim", sim.render],
  ["/config", config.render],
  ["/events", events.render],
].map(([pattern, render]) => {
  const names = [];
  const re = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return "([^/]+)"; }) + "/?$");
  return { re, names, render };
});

class App {
  constructor(root) {
    this.api = new Client();
    this.frame = new Frame(root);
    this.signedIn = false;
    this.controller = null;
    this.api.onUnauthorized = () => this.sessionLost();
    document.addEventListener("click", (e) => this.onClick(e));
    window.addEventListener("popstate", () => this.route());
  }

  async start() {
    try {
      this.api.setSession(await this.api.get("/api/v1/session"));
      this.signedIn = true;
    } catch (err) {
      if (err.status !== 401) {
        const view = this.frame.bare();
        this.frame.showError(err);
        replace(view, h("div", { class: "card signin-card" },
          h("h2", null, "The console cannot start"),
          h("p", { class: "muted" }, "Keel's API did not answer the session check."),
          h("button", { type: "button", class: "btn btn-primary", onclick: () => this.start() }, "Try again")));
        return;
      }
    }
    this.route();
  }

  onClick(e) {
    const a = e.target.closest && e.target.closest("a[data-link]");
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    e.preventDefault();
    this.navigate(url.pathname + url.search);
  }

  navigate(path, { replaceState = false } = {}) {
    if (replaceState) history.replaceState(null, "", path);
    else if (path !== location.pathname + location.search) history.pushState(null, "", path);
    this.route();
  }

  // sessionLost: the API refused the session (expired, signed out
  // elsewhere): back to sign-in, then to this page.
  sessionLost() {
    if (!this.signedIn) return;
    this.signedIn = false;
    this.api.setSession(null);
    const next = location.pathname + location.search;
    this.navigate(`/signin?next=${encodeURIComponent(next)}`, { replaceState: true });
    this.frame.showError("Your session has ended; sign in again.");
  }

  async signOut() {
    try {
      await this.api.del("/api/v1/session");
    } catch (err) {
      if (err.status !== 401) {
        this.frame.showError(err);
        return;
      }
    }
    this.signedIn = false;
    this.api.setSession(null);
    this.navigate("/signin", { replaceState: true });
  }

  signedInNow(session, next) {
    this.api.setSession(session);
    this.signedIn = true;
    const safe = typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/";
    this.navigate(safe, { replaceState: true });
  }

  async route() {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    const path = location.pathname;
    const query = new URLSearchParams(location.search);

    if (path === "/signin" || !this.signedIn) {
      if (this.signedIn) return this.navigate("/", { replaceState: true });
      if (path !== "/signin") {
        return this.navigate(`/signin?next=${encodeURIComponent(path + location.search)}`, { replaceState: true });
      }
      const hadError = this.frame.mode === "app" && this.frame.alert && !this.frame.alert.hidden ? this.frame.alert.textContent : "";
      const view = this.frame.bare();
      if (hadError) this.frame.showError(hadError);
      this.frame.setPage("signin", "Sign in", false);
      replace(view, signin.render({ api: this.api, frame: this.frame, signal: controller.signal, done: (s) => this.signedInNow(s, query.get("next")) }));
      return;
    }

    const view = this.frame.app(() => this.signOut());
    this.frame.clearError();
    this.frame.clearNotice();
    let match = null;
    let params = {};
    for (const r of ROUTES) {
      const m = r.re.exec(path);
      if (m) {
        match = r;
        r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
        break;
      }
    }
    if (!match) {
      this.frame.setPage("", "Not found", false);
      replace(view, h("div", { class: "card" }, h("h2", null, "No such page"), h("p", null, "The console has no page at ", h("code", null, path), ".")));
      return;
    }
    const ctx = this.context(controller, params, query);
    replace(view, h("div", { class: "loading", "aria-busy": "true" }, "Loading…"));
    try {
      const el = await match.render(ctx);
      if (controller.signal.aborted) return;
      replace(view, el);
      ctx.started.forEach((f) => f());
    } catch (err) {
      if (controller.signal.aborted || (err && err.name === "AbortError")) return;
      if (err && err.status === 401) return; // sessionLost took over
      this.frame.showError(err);
      replace(view, h("div", { class: "card page-failed" },
        h("h2", null, "This page could not load"),
        h("p", { class: "muted" }, "The error above is what Keel's API answered."),
        h("button", { type: "button", class: "btn btn-primary", onclick: () => this.route() }, "Try again")));
    }
  }

  context(controller, params, query) {
    const app = this;
    const signal = controller.signal;
    const ctx = {
      api: this.api,
      frame: this.frame,
      params,
      query,
      signal,
      started: [],
      navigate: (p, o) => app.navigate(p, o),
      page: (name, title, live = false) => app.frame.setPage(name, title, live),
      error: (err, source) => { if (!(err && err.name === "AbortError")) app.frame.showError(err, source); },
      clearError: (source) => app.frame.clearError(source),
      notice: (text) => app.frame.showNotice(text),
      // poll calls fn every ms (a number, or a function giving it before
      // each wait) once the page is shown, until the page is left; a
      // failure shows in the error area and the next success clears it.
      poll(ms, fn) {
        const wait = typeof ms === "function" ? ms : () => ms;
        const source = `poll-${Math.random()}`;
        let timer = 0;
        const tick = async () => {
          try {
            await fn();
            if (!signal.aborted) app.frame.clearError(source);
          } catch (err) {
            if (signal.aborted || (err && err.name === "AbortError")) return;
            if (err && err.status === 401) return;
            app.frame.showError(err, source);
          }
          if (!signal.aborted) timer = setTimeout(tick, wait());
        };
        ctx.started.push(() => { timer = setTimeout(tick, wait()); });
        signal.addEventListener("abort", () => clearTimeout(timer));
      },
    };
    return ctx;
  }
}

new App(document.getElementById("app")).start();
