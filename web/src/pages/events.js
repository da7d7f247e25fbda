// Events: recent procedure failures, newest first (GET /api/v1/events).
import { h, replace, table, link, mono, badge } from "../dom.js";
import { time } from "../format.js";
import { enc } from "../api.js";

export async function render(ctx) {
  ctx.page("events", "Events", true);
  const fetchList = () => ctx.api.get("/api/v1/events?limit=200", { signal: ctx.signal });
  const area = h("div", null);
  const draw = (list) => replace(area, table({ class: "table", "data-testid": "event-table" }, ["Time", "Procedure", "Result", "Cause", "SUPI", "Detail"],
    (list.events || []).map((e) => [
      h("span", { class: "nowrap" }, time(e.time)),
      e.procedure || "—",
      badge(e.result || "failed"),
      e.cause || "—",
      e.supi ? link(`/ues/${enc(e.supi)}`, mono(e.supi)) : "—",
      e.detail || "",
    ]), "No procedure has failed recently."));
  draw(await fetchList());
  ctx.poll(5000, async () => draw(await fetchList()));
  return h("main", { id: "page-events" },
    h("p", { class: "muted" }, "Procedure failures of this Keel process, newest first: the last 200 of those it keeps."),
    h("section", { class: "card card-flush" }, area));
}
