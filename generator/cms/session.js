// The editor's session (generator/edit.py): every call to the editor's backend carries the
// session's token in X-CSRF-Token, which only this page can read from /session. Loaded
// before Decap, which then calls the backend through this fetch. Without a session (office
// mode, not logged in or expired) the page goes to the login page.
(function () {
  "use strict";
  var plain = window.fetch.bind(window);
  var session = null;
  function load() {
    session = plain("/session", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.hash); }
      return r.ok ? r.json() : null;
    });
    return session;
  }
  window.guidesSession = function () { return session || load(); };
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var path = new URL(url, location.href);
    var ours = path.origin === location.origin && (path.pathname === "/api/v1" || path.pathname.indexOf("/office/") === 0);
    if (!ours) return plain(input, init);
    return window.guidesSession().then(function (s) {
      init = Object.assign({}, init || {}, { credentials: "same-origin" });
      var headers = new Headers(init.headers || {});
      if (s) headers.set("X-CSRF-Token", s.csrf);
      init.headers = headers;
      return plain(input, init).then(function (r) {
        if (r.status === 401) { session = null; window.location.href = "/login"; }
        return r;
      });
    });
  };
  // Office mode: who is logged in, the review page and logging out, on every editor page.
  function bar(s) {
    if (!s || !s.office || document.getElementById("guides-office")) return;
    var nav = document.createElement("nav");
    nav.id = "guides-office";
    nav.setAttribute("aria-label", "账号");
    nav.style.cssText = "position:fixed;right:12px;bottom:12px;z-index:9999;background:#fff;border:2px solid #1b5e20;" +
      "border-radius:6px;padding:6px 12px;font:15px/1.5 sans-serif;box-shadow:0 2px 6px rgba(0,0,0,.2)";
    var role = s.user.role === "reviewer" ? "审核人" : "编辑";
    var who = document.createElement("span");
    who.textContent = s.user.name + "（" + role + (s.user.town ? "，镇街 " + s.user.town : "，全区") + "）";
    var review = document.createElement("a");
    review.href = "/office/";
    review.textContent = "审核与发布";
    review.style.margin = "0 12px";
    var out = document.createElement("button");
    out.type = "button";
    out.textContent = "退出";
    out.onclick = function () {
      plain("/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": s.csrf } })
        .then(function () { window.location.href = "/login"; });
    };
    nav.appendChild(who); nav.appendChild(review); nav.appendChild(out);
    document.body.appendChild(nav);
  }
  load().then(function (s) {
    if (document.body) bar(s); else document.addEventListener("DOMContentLoaded", function () { bar(s); });
  });
})();
