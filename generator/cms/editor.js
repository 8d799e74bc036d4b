// The web editor's own additions to Decap CMS (generator/cms.py).
// Preview pane: under `guides edit`, the real page as the last save rebuilt it and the
// result of `guides check` in Chinese; elsewhere (production) where the page will be.
(function () {
  "use strict";
  var CMS = window.CMS, h = window.h, createClass = window.createClass;

  // Decap's Chinese says “X”不满足模式〈pattern〉 and, for any invalid field, 你漏掉了一个必填项:
  // say what is wrong and where to look instead (the pattern's text comes from the model).
  var zh = CMS.getLocale && CMS.getLocale("zh_Hans");
  if (zh) {
    zh = JSON.parse(JSON.stringify(zh));
    (function fix(o) {
      Object.keys(o).forEach(function (k) {
        if (k === "regexPattern") o[k] = "“%{fieldLabel}”写得不对：%{pattern}";
        else if (k === "missingRequiredField") o[k] = "没有保存：有字段没填或写得不对，请看表单中标红的提示";
        else if (o[k] && typeof o[k] === "object") fix(o[k]);
      });
    })(zh);
    CMS.registerLocale("zh_Hans", zh);
  }

  function pageOf(collection, data) {
    var code = data.get("code");
    if (!code) return null;
    return collection === "items" ? "/items/" + code + "/" : "/" + code + "/";
  }

  // Office mode (guides edit --office): the draft's state, its difference from the published
  // version field by field, and its check result, beside the form.
  function draftPanel(d, box) {
    if (!d || !d.draft) return null;
    var rows = (d.changes && d.changes.rows) || [];
    return h("div", { style: Object.assign({}, box, { borderColor: d.errors.length ? "#b71c1c" : "#0b4f8a" }),
                      id: "guides-draft", role: "status", "aria-live": "polite" },
      h("strong", null, "草稿状态：" + d.draft.status + "（" + d.draft.authors.join("、") + "）"),
      d.errors.length ? h("div", { style: { color: "#b71c1c" } }, h("p", null, "检查不通过，审核人不能发布："),
        h("ul", null, d.errors.slice(0, 20).map(function (e, i) { return h("li", { key: i }, e); }))) :
        h("p", { style: { color: "#1b5e20" } }, "检查通过"),
      rows.length ? h("table", { style: { borderCollapse: "collapse", width: "100%" } },
        h("thead", null, h("tr", null, d.changes.columns.map(function (c, i) {
          return h("th", { key: i, scope: "col", style: { border: "1px solid #999", textAlign: "left" } }, c); }))),
        h("tbody", null, rows.map(function (r, i) {
          return h("tr", { key: i }, [r.field, r.old, r.new].map(function (v, j) {
            return h("td", { key: j, style: { border: "1px solid #999" } }, v); })); }))) : null,
      h("p", null, h("a", { href: "/office/", target: "_top" }, "审核与发布")));
  }

  var Preview = createClass({
    getInitialState: function () { return { status: null, local: null, draft: null }; },
    componentDidMount: function () { this.poll(); this.timer = setInterval(this.poll, 1500); },
    componentWillUnmount: function () { clearInterval(this.timer); },
    poll: function () {
      var self = this;
      fetch("/__check", { cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) { self.setState({ status: s, local: !!s }); })
        .catch(function () { self.setState({ status: null, local: false }); });
      var code = this.props.entry.get("data").get("code");
      if (!code || !window.guidesSession) return;
      window.guidesSession().then(function (s) {
        if (!s || !s.office) return;
        var q = "collection=" + encodeURIComponent(self.props.collection.get("name")) + "&slug=" + encodeURIComponent(code);
        return fetch("/office/draft?" + q, { cache: "no-store", credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) { self.setState({ draft: d }); });
      }).catch(function () {});
    },
    render: function () {
      var path = pageOf(this.props.collection.get("name"), this.props.entry.get("data"));
      var s = this.state.status;
      var box = { font: "16px/1.6 sans-serif", padding: "12px 16px", margin: "0 0 12px",
                  border: "2px solid", borderRadius: "6px" };
      if (!this.state.local) {
        return h("div", { style: box },
          h("p", null, "保存后由区里审核发布；发布后本页网址：", h("code", null, path || "（先填写编码）")),
          h("p", null, "在办公电脑上运行 guides edit，可在此处看到重新生成的真实页面和检查结果。"));
      }
      var ok = s.ok;
      var draft = draftPanel(this.state.draft, box);
      var head = h("div", { style: Object.assign({}, box, { borderColor: ok ? "#1b5e20" : "#b71c1c",
                                                             color: ok ? "#1b5e20" : "#b71c1c" }),
                            role: "status", "aria-live": "polite", id: "guides-check" },
        h("strong", null, "guides check：" + s.summary),
        s.problems.length ? h("ul", null, s.problems.map(function (p, i) { return h("li", { key: i }, p); })) : null,
        h("p", { style: { color: "#333", margin: "4px 0 0" } },
          draft ? "下面是草稿发布后的页面；网站上仍是原来的内容，审核人发布后才会改变。" :
          "点“发布 → 立即发布”写入 content/ 后，页面自动重新生成（第 " + s.version + " 次）。"));
      var d = this.state.draft;
      if (d && d.draft && !d.errors.length) {   // a draft: its page as it would be published
        path = "/office/preview?collection=" + encodeURIComponent(this.props.collection.get("name")) +
               "&slug=" + encodeURIComponent(this.props.entry.get("data").get("code")) + "&v=" + encodeURIComponent(d.draft.updated || "");
      }
      var frame = path ? h("iframe", { key: s.version + path, src: window.location.origin + path, title: "重新生成的页面",
                                       style: { width: "100%", height: "80vh", border: "1px solid #999" } }) : null;
      return h("div", null, draft, head, frame);
    }
  });

  // An emptied optional field is left out of the file, not written as "": the model reads
  // a missing field as "not given" (and applies its default), an empty text as an error.
  function clean(value) {
    if (value === null || value === undefined || typeof value !== "object" || typeof value.filter !== "function") {
      return value;
    }
    return value.filter(function (v) { return v !== "" && v !== null && v !== undefined; }).map(clean);
  }
  CMS.registerEventListener({ name: "preSave", handler: function (args) { return clean(args.entry.get("data")); } });

  // Names for Decap's icon-only controls, which have none (axe: frame-title, button-name,
  // aria-command-name): the preview frame; in a list item's top bar the first button folds
  // it, the last removes it, the handle drags it.
  function name(el, text) { if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", text); }
  new MutationObserver(function () {
    var frames = document.querySelectorAll("iframe:not([title])");
    for (var i = 0; i < frames.length; i++) frames[i].title = "预览";
    var handles = document.querySelectorAll('[aria-roledescription="sortable"]:not([aria-label])');
    for (i = 0; i < handles.length; i++) name(handles[i], "拖动排序");
    var bars = document.querySelectorAll('[class*="ListItemTopBar"]');
    for (i = 0; i < bars.length; i++) {
      var buttons = bars[i].querySelectorAll("button");
      if (buttons.length > 1) { name(buttons[0], "展开或收起此项"); name(buttons[buttons.length - 1], "删除此项"); }
    }
    // the forms have no upload fields: Decap's media library would be an empty page
    var buttons = document.querySelectorAll("header button");
    for (i = 0; i < buttons.length; i++) if (buttons[i].textContent.trim() === "媒体") buttons[i].style.display = "none";
    var expand = document.querySelectorAll('button[data-testid="expand-button"]');
    for (i = 0; i < expand.length; i++) expand[i].setAttribute("aria-label", "展开或收起");
  }).observe(document.documentElement, { childList: true, subtree: true });

  CMS.registerPreviewTemplate("items", Preview);
  // one collection per town: their names are in the generated configuration
  fetch("config.yml", { cache: "no-store" }).then(function (r) { return r.text(); }).then(function (text) {
    (text.match(/name: stations-\d+/g) || []).forEach(function (line) {
      CMS.registerPreviewTemplate(line.slice(6), Preview);
    });
  });
})();
