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
  load();
})();
