// Sessions: the SMF's PDU sessions, refreshed every 5 s.
import { h, replace } from "../dom.js";
import { sessionsTable } from "./ues.js";

export async function render(ctx) {
  ctx.page("sessions", "Sessions", true);
  let supi = ctx.query.get("supi") || "";
  const fetchList = () => ctx.api.get(`/api/v1/sessions${supi ? `?supi=${encodeURIComponent(supi)}` : ""}`, { signal: ctx.signal });
  const area = h("div", null);
  const count = h("span", { class: "muted", "data-testid": "session-count" });
  const draw = (list) => {
    const s = list.sessions || [];
    count.textContent = `${s.length} session${s.length === 1 ? "" : "s"}`;
    replace(area, sessionsTable(s, true));
  };
  draw(await fetchList());
  const filter = h("input", { type: "search", class: "input", value: supi, placeholder: "Only this SUPI (imsi-…)", "data-testid": "session-supi", "aria-label": "SUPI" });
  filter.addEventListener("change", async () => {
    supi = filter.value.trim();
    history.replaceState(null, "", `/sessions${supi ? `?supi=${encodeURIComponent(supi)}` : ""}`);
    try { draw(await fetchList()); ctx.clearError(); } catch (err) { ctx.error(err); }
  });
  ctx.poll(5000, async () => draw(await fetchList()));
  return h("main", { id: "page-sessions" },
    h("div", { class: "toolbar" }, filter, h("div", { class: "spacer" }), count),
    h("section", { class: "card card-flush" }, area));
}
