// The management API as the console calls it: same origin, the session
// cookie as credential, the CSRF token on every state-changing request,
// and every failure turned into an ApiError carrying the API's message.

// ApiError is a failed API call: status 0 when Keel could not be reached.
export class ApiError extends Error {
  constructor(status, body, fallback) {
    const b = body && typeof body === "object" ? body : {};
    const message = b.error || b.message || fallback || `HTTP ${status}`;
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = typeof b.field === "string" ? b.field : "";
    this.rows = Array.isArray(b.rows) ? b.rows : [];
    this.moreRows = typeof b.more_rows === "number" ? b.more_rows : 0;
  }

  // text is the message as shown to the operator.
  text() {
    const where = this.field ? `${this.field}: ` : "";
    const code = this.status ? ` (HTTP ${this.status})` : "";
    return `${where}${this.message}${code}`;
  }
}

// Client holds what the session gave: the CSRF token, sent back in
// X-CSRF-Token on each POST, PUT, PATCH and DELETE (the cookie alone is
// refused for those).
export class Client {
  constructor() {
    this.csrf = "";
    this.expires = "";
    // onUnauthorized is called on a 401 from any route but the session's.
    this.onUnauthorized = () => {};
  }

  setSession(s) {
    this.csrf = (s && s.csrf_token) || "";
    this.expires = (s && s.expires) || "";
  }

  async request(method, path, { body, contentType, signal } = {}) {
    const headers = { Accept: "application/json" };
    if (!["GET", "HEAD"].includes(method)) headers["X-CSRF-Token"] = this.csrf;
    let payload;
    if (body instanceof Blob || typeof body === "string") {
      payload = body;
      headers["Content-Type"] = contentType || "application/json";
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload, signal, credentials: "same-origin", cache: "no-store" });
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError(0, null, `cannot reach Keel's API: ${err && err.message ? err.message : err}`);
    }
    let data = null;
    const text = await res.text();
    if (text) {
      const ct = res.headers.get("Content-Type") || "";
      if (ct.includes("json")) {
        try { data = JSON.parse(text); } catch { data = null; }
      }
      if (data === null && !res.ok) {
        data = { error: `${res.status} ${res.statusText}: ${text.slice(0, 200)}` };
      }
    }
    if (!res.ok) {
      if (res.status === 401 && !path.startsWith("/api/v1/session")) this.onUnauthorized();
      throw new ApiError(res.status, data, `${res.status} ${res.statusText}`);
    }
    return data;
  }

  get(path, opts) { return this.request("GET", path, opts); }
  post(path, body, opts) { return this.request("POST", path, { ...opts, body }); }
  put(path, body, opts) { return this.request("PUT", path, { ...opts, body }); }
  patch(path, body, opts) { return this.request("PATCH", path, { ...opts, body }); }
  del(path, opts) { return this.request("DELETE", path, opts); }
}

// enc escapes one path segment.
export const enc = encodeURIComponent;
