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

  /* Longest-match segmentation against the index's own vocabulary: the words jieba produced
     at build time. A query in Latin letters is pinyin (dibao, db), spaces ignored. Runs of
     Chinese the vocabulary does not know (a typo: 低宝; a colloquial word) are kept apart for
     a second, edit-distance search. generator/search.py documents the index. */
  function segment(query, vocab) {
    var words = [], rest = [], text = query.toLowerCase().replace(/\s+/g, " ").trim(), i = 0, miss = "", missed = false;
    var han = text.replace(/[^\u4e00-\u9fff]/g, "");
    if (/^[a-z ]+$/.test(text)) return { words: [text.replace(/ /g, "")], rest: [], latin: true, han: "" };
    function flush() { if (miss.length >= 2) rest.push(miss); if (miss) missed = true; miss = ""; }
    while (i < text.length) {
      var ch = text[i];
      if (/[a-z0-9]/.test(ch)) {
        flush();
        var m = /^[a-z0-9]+/.exec(text.slice(i))[0];
        words.push(m); i += m.length; continue;
      }
      var found = "";
      for (var j = Math.min(text.length, i + 12); j > i + 1; j--) {
        if (vocab[text.slice(i, j)]) { found = text.slice(i, j); break; }
      }
      if (found) { flush(); words.push(found); i += found.length; }
      else { if (/[\u4e00-\u9fff]/.test(ch)) miss += ch; else flush(); i += 1; }
    }
    flush();
    /* han: the query's Chinese when some of it was not understood (a typo?), for spelling it */
    return { words: words, rest: rest, latin: false, han: missed && han.length >= 2 ? han : "" };
  }

  /* Whether a and b differ by one character inserted, removed or changed. */
  function oneOff(a, b) {
    if (Math.abs(a.length - b.length) > 1 || a === b) return false;
    var i = 0, j = 0, edits = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { i++; j++; continue; }
      if (++edits > 1) return false;
      if (a.length > b.length) i++; else if (a.length < b.length) j++; else { i++; j++; }
    }
    return edits + (a.length - i) + (b.length - j) <= 1;
  }

  /* Pinyin of every stretch of 2-6 characters of a query (低宝 → dibao, 残疾正 → canjizheng),
     skipping stretches with a character the table lacks. */
  function spell(han, table) {
    var out = [];
    for (var n = Math.min(6, han.length); n >= 2; n--) {
      for (var k = 0; k + n <= han.length; k++) {
        var py = "", ok = true;
        for (var c = k; c < k + n; c++) { if (table[han[c]]) py += table[han[c]]; else ok = false; }
        if (ok) out.push(py);
      }
    }
    return out;
  }

  /* Exact words first. Where some of the Chinese typed was not understood, it is also spelt in
     pinyin (a homophone: 低宝 → dibao → 低保; 残疾正 → canjizheng → 残疾证). If still nothing:
     near words of the vocabulary, one character or letter off (yibap → yibao), and for pinyin
     still being typed its shortest completion (diba → dibao). */
  function search(idx, q, pinyin) {
    var s = segment(q, idx.invertedIndex);
    function ask(terms) {
      terms = terms.filter(function (t, n) { return terms.indexOf(t) === n; });
      return terms.length ? idx.query(function (query) {
        terms.forEach(function (t) { query.term(t, { usePipeline: false }); });
      }) : [];
    }
    var hits = ask(s.words), vocab = idx.invertedIndex;
    if (hits.length && !s.han) return Promise.resolve(hits);
    var sound = s.han ? pinyin() : Promise.resolve(null);
    return sound.then(function (table) {
      var spelt = table ? spell(s.han, table).filter(function (t) { return vocab[t]; }) : [];
      var found = spelt.length ? ask(s.words.concat(spelt)) : hits;
      if (found.length) return found;
      var typed = s.latin ? s.words : s.rest, near = [];
      typed.forEach(function (t) {
        var shortest = null;
        Object.keys(vocab).forEach(function (w) {
          if (oneOff(w, t)) near.push(w);
          if (s.latin && w.length > t.length && w.indexOf(t) === 0 && (!shortest || w.length < shortest.length)) shortest = w;
        });
        if (shortest) near.push(shortest);
      });
      return ask((s.latin ? [] : s.words).concat(near));
    });
  }

  /* The lunr index, built here from the tokens the build shipped (lunr's own Builder: the same
     index lunr would serialise, at a fifth of the bytes). */
  function buildIndex(data) {
    var b = new lunr.Builder();
    b.ref("id");
    data.fields.forEach(function (f) { b.field(f[0], { boost: f[1] }); });
    Object.keys(data.tokens).forEach(function (ref) {
      var doc = { id: ref };
      data.fields.forEach(function (f, n) { doc[f[0]] = data.tokens[ref][n]; });
      b.add(doc);
    });
    return b.build();
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  /* A need no station handles (婚姻登记, 身份证 …): where to go, when, whom to call. */
  function elsewhereAnswer(d, root) {
    var li = el("li", "g-elsewhere"), call = el("a", null, d[3]);
    li.appendChild(el("strong", null, d[0]));
    li.appendChild(el("p", null, "这件事不在村（社区）便民服务站办理。请到：" + d[1]));
    if (d[2]) li.appendChild(el("p", null, "时间：" + d[2]));
    var p = el("p", null, "电话：");
    call.href = "tel:" + d[3].replace(/-/g, ""); p.appendChild(call); li.appendChild(p);
    var more = el("a", null, "详细说明"); more.href = root + "elsewhere/" + d[4] + "/";
    p = el("p"); p.appendChild(more); li.appendChild(p);
    return li;
  }

  function setupSearch(form) {
    var input = form.querySelector("input"), list = form.querySelector("ol");
    var ready = null, idx = null, data = null, sounds = null;
    function pinyin() {   /* the character → pinyin table, loaded on the first query not found as typed */
      if (!sounds) {
        sounds = load(form.dataset.pinyin).then(function () {
          var table = {};
          window.GUIDE_PINYIN.split("|").forEach(function (g) {
            var p = g.split(":");
            for (var k = 0; k < p[1].length; k++) table[p[1][k]] = p[0];
          });
          return table;
        }, function () { sounds = null; return null; });
      }
      return sounds;
    }
    function prepare() {
      if (!ready) {
        ready = load(form.dataset.lunr).then(function () { return load(form.dataset.index); }).then(function () {
          data = window.GUIDE_INDEX;
          idx = buildIndex(data);
        });
      }
      return ready;
    }
    function show() {
      var q = input.value.trim();
      if (!q) { list.innerHTML = ""; return; }
      search(idx, q, pinyin).then(function (hits) {
        if (q === input.value.trim()) render(q, hits);
      });
    }
    function render(q, hits) {
      list.innerHTML = "";
      if (!hits.length) {
        list.appendChild(el("li", "g-none", "没有找到“" + q + "”相关事项。请换个说法，或拨打服务站电话咨询。"));
        return;
      }
      /* needs handled elsewhere first when they rank near the top: that is the answer */
      var top = hits[0].score;
      hits.filter(function (h) { return data.elsewhere[h.ref] && h.score >= top / 2; }).forEach(function (h) {
        list.appendChild(elsewhereAnswer(data.elsewhere[h.ref], form.dataset.root || ""));
      });
      hits.filter(function (h) { return data.docs[h.ref]; }).slice(0, 10).forEach(function (hit) {
        var d = data.docs[hit.ref], li = el("li"), a = el("a", null, d[0]);
        a.href = hit.ref + "/";
        li.appendChild(a); li.appendChild(el("span", "g-meta", " " + d[1])); list.appendChild(li);
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
      ["index", "lunr", "pinyin"].forEach(function (k) { if (btn.dataset[k]) urls.push(new URL(btn.dataset[k], location.href).href); });
      var done = 0, failed = 0, guides = urls.length - 1 - ["index", "lunr", "pinyin"].filter(function (k) { return btn.dataset[k]; }).length;
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

  function register() {
    navigator.serviceWorker.register(siteRoot + "sw.js", { updateViaCache: "none" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {   /* the first visit: this page came before the worker, keep it too */
      if (!navigator.serviceWorker.controller && reg.active) reg.active.postMessage({ keep: location.href });
    }).catch(function () {});
  }

  if (canKeep) {
    /* after the page has loaded: the worker's own downloads never compete with the page's */
    if (document.readyState === "complete") register(); else window.addEventListener("load", register);
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
