// Sessions: the SMF's PDU sessions, refreshed every 5 s.
import { h, replace } from "../dom.js";
import { sessionsTable, MAX_ROWS } from "./ues.js";
import { Pager } from "../pager.js";
import { int } from "../format.js";

export async function render(ctx) {
  ctx.page("sessions", "Sessions", true);
  let supi = ctx.query.get("supi") || "";
  const pager = new Pager(MAX_ROWS, "session", () => fetchList().then((l) => { draw(l); ctx.clearError(); }, (err) => ctx.error(err)));
  const fetchList = () => {
    const p = pager.query(new URLSearchParams());
    if (supi) p.set("supi", supi);
    return ctx.api.get(`/api/v1/sessions?${p}`, { signal: ctx.signal });
  };
  const area = h("div", null);
  const count = h("span", { class: "muted", "data-testid": "session-count" });
  const draw = (list) => {
    const s = list.sessions || [];
    const total = typeof list.total === "number" ? list.total : s.length;
    count.textContent = `${int(total)} session${total === 1 ? "" : "s"}`;
    if (typeof list.total === "number") pager.show(s.length, total, list.next, "sessions");
    else pager.el.hidden = true;
    replace(area, sessionsTable(s, true));
  };
  draw(await fetchList());
  const filter = h("input", { type: "search", class: "input", value: supi, placeholder: "Only this SUPI (imsi-…)", "data-testid": "session-supi", "aria-label": "SUPI" });
  filter.addEventListener("change", async () => {
    supi = filter.value.trim();
    pager.reset();
    history.replaceState(null, "", `/sessions${supi ? `?supi=${encodeURIComponent(supi)}` : ""}`);
    try { draw(await fetchList()); ctx.clearError(); } catch (err) { ctx.error(err); }
  });
  ctx.poll(5000, async () => draw(await fetchList()));
  return h("main", { id: "page-sessions" },
    h("div", { class: "toolbar" }, filter, h("div", { class: "spacer" }), count),
    h("section", { class: "card card-flush" }, area, pager.el));
}
