/* Runs in <head>, before the first paint (a small blocking script: the site's Content-
   Security-Policy allows no inline script). Marks the page as having JavaScript and
   applies 长辈模式 (elder mode) at once, so the page never flashes from normal to elder.
   ?elder=1 (a QR poster's link) turns it on, ?elder=0 off; the choice is kept in
   localStorage for later pages and visits. guides.js runs the switch itself. */
(function (d) {
  "use strict";
  d.className = d.className.replace(/\bno-js\b/, "js");
  var on = false;
  try {
    var p = new URLSearchParams(location.search).get("elder");
    if (p !== null) { on = p !== "0"; localStorage.setItem("guides.elder", on ? "1" : "0"); }
    else on = localStorage.getItem("guides.elder") === "1";
  } catch (e) { /* no storage (private mode, some file:// copies): this page only */ }
  if (on) d.className += " g-elder";
})(document.documentElement);
