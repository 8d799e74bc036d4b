/* The script of the guide pages, beside head.js (Material's bundle.js is not loaded):
   长辈模式 switch, 朗读 (read aloud), station search, today's opening hours and the
   portal's station finder. Plain script, no dependencies beyond the vendored lunr, which
   is loaded only when a resident starts to search. Works from file:// too (the offline
   copy). Every page is complete without it. */
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

  /* 长辈模式: the class is set before the first paint by head.js, loaded in <head>
     (theme/partials/guides-head.html); the switch flips it and remembers the choice. */
  function setupElder() {
    var btn = document.getElementById("g-elder-switch"), root = document.documentElement;
    if (!btn) return;
    function sync() { btn.setAttribute("aria-pressed", root.classList.contains("g-elder") ? "true" : "false"); }
    btn.addEventListener("click", function () {
      var on = !root.classList.contains("g-elder");
      root.classList.toggle("g-elder", on);
      try { localStorage.setItem("guides.elder", on ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
      try { /* a reload keeps the resident's choice, not the QR code's ?elder=1 */
        var u = new URL(location.href);
        if (u.searchParams.has("elder")) { u.searchParams.delete("elder"); history.replaceState(history.state, "", u.href); }
      } catch (e) { /* file:// in some browsers */ }
      sync();
    });
    sync();
  }

  /* 朗读: the browser's own speech synthesis in Chinese, one utterance per paragraph,
     list item or fact, in the order given by the button's data-read (essentials first).
     The button stays hidden where the browser has no Chinese voice. */
  function speakable(el) {
    var c = el.cloneNode(true);
    c.querySelectorAll("[aria-hidden=true], .md-button").forEach(function (n) { n.remove(); });
    c.querySelectorAll('a[href^="tel:"]').forEach(function (a) {
      a.textContent = " " + a.getAttribute("href").slice(4).split("").join(" ") + " "; /* digit by digit */
    });
    return c.textContent
      .replace(/(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})/g, "$1至$2")
      .replace(/\s+/g, " ").trim();
  }

  function readingList(selectors) {
    var out = [];
    selectors.split(",").forEach(function (sel) {
      var root = document.querySelector(sel.trim()), taken = [];
      if (!root) return;
      var els = root.matches("h1,h2,h3,p,li,dt,dd") ? [root] : root.querySelectorAll("h1,h2,h3,p,li,dt,dd");
      Array.prototype.forEach.call(els, function (el) {
        if (el.closest("[hidden]") || taken.some(function (t) { return t.contains(el); })) return;
        var text = speakable(el), dd = el.nextElementSibling;
        if (el.tagName === "DT" && dd && dd.tagName === "DD") {
          text += (/[：:？?。！]$/.test(text) ? " " : "：") + speakable(dd); taken.push(dd);
        }
        taken.push(el);
        if (text) out.push({ el: el, text: text });
      });
    });
    return out;
  }

  function chineseVoice(synth) {
    var best = null;
    (synth.getVoices() || []).forEach(function (v) {
      var l = (v.lang || "").replace("_", "-").toLowerCase();
      if (l === "zh-cn" || l === "cmn-cn" || l.indexOf("zh-hans") === 0) { if (!best || best.rank > 0) best = { voice: v, rank: 0 }; }
      else if (/^(zh|cmn)(-|$)/.test(l) && !/^zh-(hk|mo)/.test(l) && !best) best = { voice: v, rank: 1 };
    });
    return best && best.voice;
  }

  function setupSpeak() {
    var btn = document.getElementById("g-speak"), synth = window.speechSynthesis;
    if (!btn || !synth || !window.SpeechSynthesisUtterance) return;
    var voice = null, run = 0, list = [], at = 0, mark = null;
    var label = btn.textContent;
    function highlight(el) {
      if (mark) mark.classList.remove("g-reading");
      mark = el;
      if (!el) return;
      el.classList.add("g-reading");
      var r = el.getBoundingClientRect();
      if (r.top < 60 || r.bottom > window.innerHeight) el.scrollIntoView({ block: "center" });
    }
    function stop() {
      run++; synth.cancel(); highlight(null);
      btn.classList.remove("is-on"); btn.textContent = label;
    }
    function next(myRun) {
      if (myRun !== run) return;
      if (at >= list.length) { stop(); return; }
      var item = list[at++], u = new SpeechSynthesisUtterance(item.text);
      u.lang = "zh-CN"; u.rate = 0.9;
      if (voice) u.voice = voice;
      u.onend = function () { next(myRun); };
      u.onerror = function () { next(myRun); };
      highlight(item.el);
      synth.speak(u);
    }
    function start() {
      stop();
      list = readingList(btn.dataset.read || "h1"); at = 0;
      btn.classList.add("is-on"); btn.textContent = "停止朗读";
      next(run);
    }
    function pick() {
      voice = chineseVoice(synth);
      if (!voice && btn.classList.contains("is-on")) stop();
      btn.hidden = !voice;
    }
    btn.addEventListener("click", function () { if (btn.classList.contains("is-on")) stop(); else start(); });
    window.addEventListener("pagehide", function () { if (btn.classList.contains("is-on")) stop(); });
    if (synth.addEventListener) synth.addEventListener("voiceschanged", pick); else synth.onvoiceschanged = pick;
    pick();
  }

  /* Offline (issue 23.2): the service worker at the site root (sw.js, generator/pwa.py) keeps the
     pages read; 保存本站指南 keeps a whole station at once, in the worker's page cache; the
     offline page lists what is kept. The site root is where this script's folder hangs. */
  var PAGES = "guides-pages";
  var script = document.currentScript && document.currentScript.src;
  var siteRoot = script ? script.replace(/assets\/guides\/[^\/]*$/, "") : null;
  var canKeep = !!(siteRoot && "serviceWorker" in navigator && window.caches && /^https?:/.test(location.protocol));

  function clean(u) { var x = new URL(u, location.href); x.search = ""; x.hash = ""; return x.href; }

  function setupSave(btn) {
    var status = document.getElementById("g-save-status");
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var urls = [clean(location.href)];
      document.querySelectorAll(btn.dataset.links).forEach(function (a) { urls.push(clean(a.href)); });
      ["index", "lunr"].forEach(function (k) { if (btn.dataset[k]) urls.push(new URL(btn.dataset[k], location.href).href); });
      var done = 0, failed = 0, guides = urls.length - 1 - (btn.dataset.index ? 1 : 0) - (btn.dataset.lunr ? 1 : 0);
      btn.disabled = true;
      status.textContent = "正在保存……";
      caches.open(PAGES).then(function (cache) {
        return Promise.all(urls.map(function (u) {
          return fetch(u, { cache: "no-cache" }).then(function (r) {
            if (!r.ok) throw new Error(r.status);
            return cache.put(u, r);
          }).then(function () { done++; }, function () { failed++; });
        }));
      }).then(function () {
        btn.disabled = false;
        status.textContent = failed ? "有 " + failed + " 个页面没有保存成功，请连上网络后再点一次。"
          : "已保存本站首页和 " + guides + " 个办事指南。没有网络时也能打开。";
      });
    });
  }

  function setupSaved(list) {
    var none = document.getElementById("g-saved-none");
    caches.open(PAGES).then(function (cache) { return cache.keys(); }).then(function (keys) {
      return Promise.all(keys.filter(function (r) { return r.url.slice(-1) === "/"; }).map(function (r) {
        return caches.match(r).then(function (res) { return res.text(); }).then(function (html) {
          var t = /<title>([^<]*)<\/title>/.exec(html), d = document.createElement("textarea");
          d.innerHTML = t ? t[1] : r.url;   /* the title as text (entities decoded, no markup) */
          return { url: r.url, title: d.value };
        });
      }));
    }).then(function (pages) {
      pages.sort(function (a, b) { return a.url < b.url ? -1 : 1; }).forEach(function (p) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = p.url; a.textContent = p.title; li.appendChild(a); list.appendChild(li);
      });
      if (pages.length && none) none.textContent = "下面这些页面已保存在这部手机上：";
    });
  }

  if (canKeep) {
    navigator.serviceWorker.register(siteRoot + "sw.js", { updateViaCache: "none" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {   /* the first visit: this page came before the worker, keep it too */
      if (!navigator.serviceWorker.controller && reg.active) reg.active.postMessage({ keep: location.href });
    }).catch(function () {});
    var save = document.getElementById("g-save");
    if (save) setupSave(save);
    var saved = document.getElementById("g-saved");
    if (saved) setupSaved(saved);
  }

  document.querySelectorAll("form.g-search[data-index]").forEach(setupSearch);
  document.querySelectorAll("input[data-filter]").forEach(setupFinder);
  setupToday();
  setupElder();
  setupSpeak();
})();
