/* Station search, today's opening hours and the portal's station finder.
   Plain script, no dependencies beyond Material's bundled lunr, loaded only when a
   resident starts to search. Works from file:// too (the offline copy). */
(function () {
  "use strict";

  function load(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src; s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  /* Longest-match segmentation against the index's own vocabulary: the words
     jieba produced at build time. Runs of Latin letters and digits stay whole. */
  function segment(query, vocab) {
    var out = [], text = query.toLowerCase().replace(/\s+/g, " ").trim(), i = 0;
    while (i < text.length) {
      var ch = text[i];
      if (/[a-z0-9]/.test(ch)) {
        var m = /^[a-z0-9]+/.exec(text.slice(i))[0];
        out.push(m); i += m.length; continue;
      }
      var found = "";
      for (var j = Math.min(text.length, i + 12); j > i + 1; j--) {
        if (vocab[text.slice(i, j)]) { found = text.slice(i, j); break; }
      }
      if (found) { out.push(found); i += found.length; } else { i += 1; }
    }
    return out;
  }

  function setupSearch(form) {
    var input = form.querySelector("input"), list = form.querySelector("ol");
    var ready = null, idx = null, docs = null, vocab = null;
    function prepare() {
      if (!ready) {
        ready = load(form.dataset.lunr).then(function () { return load(form.dataset.index); }).then(function () {
          idx = lunr.Index.load(window.GUIDE_INDEX.index);
          docs = window.GUIDE_INDEX.docs;
          vocab = idx.invertedIndex;
        });
      }
      return ready;
    }
    function show() {
      var q = input.value.trim();
      list.innerHTML = "";
      if (!q) return;
      var terms = segment(q, vocab);
      var hits = terms.length ? idx.query(function (query) {
        terms.forEach(function (t) { query.term(t, { usePipeline: false }); });
      }) : [];
      if (!hits.length) {
        var li = document.createElement("li");
        li.className = "g-none";
        li.textContent = "没有找到“" + q + "”相关事项。请换个说法，或拨打服务站电话咨询。";
        list.appendChild(li);
        return;
      }
      hits.slice(0, 10).forEach(function (hit) {
        var d = docs[hit.ref], li = document.createElement("li"), a = document.createElement("a");
        a.href = hit.ref + "/"; a.textContent = d[0];
        var cat = document.createElement("span"); cat.className = "g-meta"; cat.textContent = " " + d[1];
        li.appendChild(a); li.appendChild(cat); list.appendChild(li);
      });
    }
    input.addEventListener("focus", prepare);
    input.addEventListener("input", function () { prepare().then(show); });
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; prepare().then(show); }
  }

  function setupToday() {
    var today = document.getElementById("g-today");
    if (!today) return;
    var day = (new Date().getDay() + 6) % 7; /* Monday = 0, as in the table */
    var row = document.querySelector('.g-hours tr[data-day="' + day + '"]');
    if (!row) return;
    row.classList.add("g-is-today");
    today.textContent = "今天（" + row.cells[0].textContent + "）：" + row.cells[1].textContent;
    today.hidden = false;
  }

  function setupFinder(input) {
    var box = document.getElementById(input.dataset.filter), none = document.getElementById("g-find-none");
    input.addEventListener("input", function () {
      var q = input.value.trim(), shown = 0;
      box.querySelectorAll("li[data-name]").forEach(function (li) {
        var hit = !q || li.dataset.name.indexOf(q) >= 0;
        li.hidden = !hit; if (hit) shown++;
      });
      box.querySelectorAll(".g-town").forEach(function (sec) {
        sec.hidden = !!q && !sec.querySelector("li[data-name]:not([hidden])");
      });
      none.hidden = shown > 0;
    });
  }

  document.querySelectorAll("form.g-search[data-index]").forEach(setupSearch);
  document.querySelectorAll("input[data-filter]").forEach(setupFinder);
  setupToday();
})();
