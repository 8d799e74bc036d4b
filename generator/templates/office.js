// Buttons of the review and history pages (generator/office.py): each posts JSON to the
// editor with the session's token (session.js adds it) and shows the answer.
(function () {
  "use strict";
  var message = document.getElementById("message");
  function show(text) { message.textContent = text; }
  function table(conflict) {
    if (!conflict || !conflict.rows) return "";
    return "\n" + conflict.columns.join(" | ") + "\n" + conflict.rows.map(function (r) {
      return r.field + " | " + r.old + " | " + r.new; }).join("\n");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var d = button.dataset, body = { collection: d.collection, slug: d.slug };
    if (d.action === "status") body.newStatus = d.status;
    if (d.action === "restore") body = { path: d.path, commit: d.commit };
    button.disabled = true;
    show("正在处理……");
    fetch("/office/" + d.action, { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (a) {
        if (a.ok) { show(a.json.message || "完成"); setTimeout(function () { location.reload(); }, 800); }
        else { show(a.json.error + table(a.json.conflict)); button.disabled = false; }
      })
      .catch(function () { show("网络错误：请重试"); button.disabled = false; });
  });
})();
