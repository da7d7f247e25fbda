// Events: recent procedure failures, newest first (GET /api/v1/events).
import { h, replace, table, link, mono, badge } from "../dom.js";
import { time } from "../format.js";
import { enc } from "../api.js";

export async function render(ctx) {
  ctx.page("events", "Events", true);
  const fetchList = () => ctx.api.get("/api/v1/events?limit=200", { signal: ctx.signal });
  const area = h("div", null);
  const filter = h("input", { type: "search", class: "input", placeholder: "Filter by procedure, cause or SUPI", "data-testid": "event-filter", "aria-label": "Filter events" });
  let last = { events: [] };
  const matches = (e) => {
    const q = filter.value.trim().toLowerCase();
    return !q || [e.procedure, e.cause, e.supi, e.detail, e.result].some((x) => String(x || "").toLowerCase().includes(q));
  };
  const draw = (list) => {
    last = list;
    replace(area, table({ class: "table", "data-testid": "event-table" }, ["Time", "Procedure", "Result", "Cause", "SUPI", "Detail"],
      (list.events || []).filter(matches).map((e) => [
        h("span", { class: "nowrap" }, time(e.time)),
        e.procedure || "—",
        badge(e.result || "failed"),
        e.cause || "—",
        e.supi ? link(`/ues/${enc(e.supi)}`, mono(e.supi)) : "—",
        e.detail || "",
      ]), filter.value.trim() ? "No event matches the filter." : "No procedure has failed recently."));
  };
  draw(await fetchList());
  ctx.poll(5000, async () => draw(await fetchList()));
  filter.addEventListener("input", () => draw(last));
  return h("main", { id: "page-events" },
    h("div", { class: "toolbar" }, filter, h("div", { class: "spacer" }),
      h("span", { class: "muted" }, "Procedure failures of this Keel process, newest first: the last 200 it keeps.")),
    h("section", { class: "card card-flush" }, area));
}
