// Number, rate and time formatting for display.

const intFmt = new Intl.NumberFormat("en-US");
const decFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

export function int(n) {
  return typeof n === "number" && Number.isFinite(n) ? intFmt.format(n) : "—";
}

export function dec(n) {
  return typeof n === "number" && Number.isFinite(n) ? decFmt.format(n) : "—";
}

// bps formats a bit rate with SI prefixes, as TS 29.571 BitRate does.
export function bps(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  const units = ["bps", "kbps", "Mbps", "Gbps", "Tbps"];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${decFmt.format(n)} ${units[i]}`;
}

// bytes formats a byte count with binary prefixes.
export function bytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : decFmt.format(n)} ${units[i]}`;
}

function pad(n) { return String(n).padStart(2, "0"); }

// time formats an RFC 3339 time as local "YYYY-MM-DD HH:MM:SS".
export function time(t) {
  if (!t) return "—";
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// clock formats a time as local "HH:MM:SS".
export function clock(t) {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return "—";
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// ago says how long before now t was: "4 s ago", "3 min ago".
export function ago(t, now = Date.now()) {
  const d = new Date(t).getTime();
  if (!t || Number.isNaN(d)) return "—";
  const s = Math.max(0, Math.round((now - d) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// snssai formats a slice as "SST" or "SST/SD".
export function snssai(x) {
  if (!x) return "—";
  return x.sd ? `${x.sst}/${x.sd}` : String(x.sst);
}
