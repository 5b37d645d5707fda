// kefu chat widget: one tag on any page of the company's site.
//   <script src="https://kefu.example.com/static/widget.js" async
//           data-lang="zh-CN" data-label="在线客服" data-position="right"></script>
// A floating button opens an iframe to /chat?embed=1 on the kefu origin the script came
// from (the chat itself, its storage and socket live there); full screen on phones.
(function () {
  "use strict";
  if (window.__kefuWidget) return;
  window.__kefuWidget = true;
  var script = document.currentScript || document.querySelector("script[src*='/static/widget.js']");
  if (!script) return;
  var ORIGIN = new URL(script.src, location.href).origin;
  var lang = script.getAttribute("data-lang") || document.documentElement.lang || "zh-CN";
  var en = /^en/i.test(lang);
  // The only words outside the chat page: the button's accessible name (overridable).
  var label = script.getAttribute("data-label") || (en ? "Chat with us" : "在线客服");
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var P = "kefu-w-";
  var KEY = "kefu.chat.v1:" + ORIGIN;  // the chat session, kept first-party for the frame

  var css = document.createElement("style");
  css.textContent =
    "." + P + "btn{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;width:56px;height:56px;" +
    "border-radius:50%;border:0;background:#1677ff;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);" +
    "display:flex;align-items:center;justify-content:center;padding:0}" +
    "." + P + "btn:focus-visible{outline:3px solid #91caff;outline-offset:2px}" +
    "." + P + "badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;" +
    "background:#f5222d;color:#fff;font:600 12px/20px sans-serif;padding:0 5px;text-align:center}" +
    "." + P + "panel{position:fixed;bottom:88px;" + side + ":20px;z-index:2147483001;width:380px;" +
    "height:min(640px,calc(100vh - 110px));border-radius:12px;overflow:hidden;background:#fff;" +
    "box-shadow:0 8px 30px rgba(0,0,0,.25);display:none}" +
    "." + P + "panel.open{display:block}" +
    "." + P + "panel iframe{border:0;width:100%;height:100%;display:block}" +
    "@media (max-width:600px){." + P + "panel{inset:0;width:100%;height:100%;border-radius:0}" +
    "." + P + "panel.open~." + P + "btn{display:none}}";
  document.head.appendChild(css);

  var panel = document.createElement("div");
  panel.className = P + "panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);
  var btn = document.createElement("button");
  btn.type = "button";
  btn.className = P + "btn";
  btn.setAttribute("aria-label", label);
  btn.setAttribute("aria-expanded", "false");
  btn.title = label;
  btn.setAttribute("data-testid", "kefu-widget-button");
  var NS = "http://www.w3.org/2000/svg", svg = document.createElementNS(NS, "svg"), path = document.createElementNS(NS, "path");
  svg.setAttribute("width", "28"); svg.setAttribute("height", "28"); svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true"); svg.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 " +
    "1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
  svg.appendChild(path);
  btn.appendChild(svg);
  var badge = document.createElement("span");
  badge.className = P + "badge";
  badge.hidden = true;
  btn.appendChild(badge);

  var frame = null, isOpen = false, ready = false;
  function tell() {
    if (ready) frame.contentWindow.postMessage({ type: "kefu:visible", visible: isOpen }, ORIGIN);
  }
  function setOpen(open) {
    isOpen = open;
    if (open && !frame) {
      frame = document.createElement("iframe");
      frame.title = label;
      frame.src = ORIGIN + "/chat?embed=1&lang=" + encodeURIComponent(lang.replace("-", "_"));
      frame.setAttribute("allow", "clipboard-write");
      panel.appendChild(frame);
    }
    panel.classList.toggle("open", open);
    btn.setAttribute("aria-expanded", String(open));
    if (open) { badge.hidden = true; frame.focus(); } else { btn.focus(); }
    tell();
  }
  btn.addEventListener("click", function () { setOpen(!isOpen); });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && isOpen) setOpen(false); });
  window.addEventListener("message", function (ev) {
    if (ev.origin !== ORIGIN || !frame || ev.source !== frame.contentWindow || !ev.data) return;
    var t = ev.data.type;
    if (t === "kefu:ready") {
      ready = true;
      var saved = null;
      try { saved = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
      frame.contentWindow.postMessage({ type: "kefu:state", state: saved }, ORIGIN);
      tell();
    } else if (t === "kefu:save") {
      try { localStorage.setItem(KEY, JSON.stringify(ev.data.state || {})); } catch (e) { /* storage off */ }
    } else if (t === "kefu:close") setOpen(false);
    else if (t === "kefu:unread") {
      var n = +ev.data.count || 0;
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = n === 0 || isOpen;
    }
  });

  function mount() { document.body.appendChild(panel); document.body.appendChild(btn); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
