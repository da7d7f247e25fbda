// Pager walks a list the API answers a page at a time: limit= and
// after= in, next (the after of the following page) and total out. The
// cursors of the pages before are kept to go back.
import { h } from "./dom.js";
import { int } from "./format.js";

export class Pager {
  // onMove is called after Previous or Next changed the page.
  constructor(limit, testid, onMove) {
    this.limit = limit;
    this.cursors = [];
    this.after = "";
    this.next = "";
    this.prevBtn = h("button", { type: "button", class: "btn", "data-testid": `${testid}-prev`, onclick: () => { this.after = this.cursors.pop() || ""; onMove(); } }, "← Previous");
    this.nextBtn = h("button", { type: "button", class: "btn", "data-testid": `${testid}-next`, onclick: () => {
      if (!this.next) return;
      this.cursors.push(this.after);
      this.after = this.next;
      onMove();
    } }, "Next →");
    this.range = h("span", { class: "muted", "data-testid": `${testid}-range` });
    this.el = h("div", { class: "pager" }, this.range, h("div", { class: "spacer" }), this.prevBtn, this.nextBtn);
  }

  // reset goes back to the first page (a new search).
  reset() {
    this.cursors = [];
    this.after = "";
  }

  // query adds limit= and after= to params.
  query(params) {
    params.set("limit", String(this.limit));
    if (this.after) params.set("after", this.after);
    return params;
  }

  // show takes a page's answer: n items shown of total, next cursor.
  show(n, total, next, noun) {
    this.next = next || "";
    const from = this.cursors.length * this.limit;
    this.range.textContent = n ? `${int(from + 1)}–${int(from + n)} of ${int(total)} ${noun}` : `0 of ${int(total)} ${noun}`;
    this.prevBtn.disabled = this.cursors.length === 0;
    this.nextBtn.disabled = !this.next;
    this.el.hidden = total <= this.limit && this.cursors.length === 0;
  }
}
