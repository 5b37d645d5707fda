// Presence in every staff page's header: the agent's status with a switch. Presence is
// stored per person on the server, so a page change never changes it. Every page but the
// workspace (which has its own socket) keeps a light socket open: its heartbeat is what
// keeps the agent present, and it brings presence changes and new-chat notices.
(function () {
  "use strict";
  var box = document.getElementById("hdr-presence");
  if (!box) return;
  var T = JSON.parse(box.getAttribute("data-i18n") || "{}");
  var sel = document.getElementById("hdr-presence-select");
  var dot = document.getElementById("hdr-presence-dot");
  var CSRF = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var toastTimer = null;
  var chosen = 0;  // how many status changes this page has asked for

  function show(status) {
    if (!status || !T[status]) return;
    sel.value = status;
    sel.disabled = false;
    dot.className = "dot dot-" + status;
    box.setAttribute("data-status", status);
  }
  function toast(node, ms) {
    var t = document.getElementById("hdr-toast");
    t.textContent = "";
    t.appendChild(node);
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, ms || 15000);
  }
  async function choose(status, reason) {
    chosen++;
    sel.disabled = true;
    try {
      var r = await fetch("/api/v1/agents/me/presence", {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": CSRF },
        body: JSON.stringify(reason ? { status: status, reason: reason } : { status: status }),
      });
      var data = r.ok ? await r.json() : null;
      if (data) learn(data);
      else if (!reason) toast(document.createTextNode(T.failed || "!"));
      document.dispatchEvent(new CustomEvent("kefu:presence", { detail: data }));
    } finally { sel.disabled = false; }
  }
  // A notice about a ticket I own or follow (ticket_notice on my channel, from this page's
  // socket or the workspace's): a pop-up with what happened and a link to the ticket.
  function ticketNotice(f) {
    if (!f || !f.ticket_id) return;
    var node = document.createElement("span");
    node.setAttribute("data-testid", "ticket-notice-toast");
    node.setAttribute("data-kind", f.kind || "");
    node.appendChild(document.createTextNode("🔔 " + (f.text || "") + " "));
    var a = document.createElement("a");
    a.href = "/agent/tickets/" + encodeURIComponent(f.ticket_id);
    a.textContent = "#" + f.ticket_id + (f.subject ? " " + f.subject : "") + " →";
    a.setAttribute("data-testid", "ticket-notice-link");
    node.appendChild(a);
    toast(node, 30000);
  }
  sel.addEventListener("change", function () { choose(sel.value); });
  window.kefuPresence = { show: show, choose: choose, ticketNotice: ticketNotice };

  // Idle time: no keyboard or mouse input in any of the agent's tabs for the admin's idle
  // minutes makes an online agent away, and the next input brings them back. The server
  // only undoes an away it made for idle time, so a mouse move never ends a chosen break.
  var LAST_INPUT = "kefu:last-input";
  var idleMinutes = 0, awayReason = "", localInput = Date.now(), shared = 0, lastBack = 0, busy = false;
  function learn(data, stale) {
    if (typeof data.idle_minutes === "number") idleMinutes = data.idle_minutes;
    if (stale) return;
    show(data.chosen_status || data.status);
    awayReason = data.away_reason || "";
  }
  function lastInput() {
    var stored = 0;
    try { stored = +(localStorage.getItem(LAST_INPUT) || 0); } catch (e) { /* storage off */ }
    return Math.max(stored, localInput);
  }
  async function idle(status) {
    if (busy) return;
    busy = true;
    try { await choose(status, "idle"); } finally { busy = false; }
  }
  function onInput() {
    localInput = Date.now();
    if (localInput - shared > 5000) {  // every tab reads it: input in one keeps all awake
      shared = localInput;
      try { localStorage.setItem(LAST_INPUT, String(localInput)); } catch (e) { /* storage off */ }
    }
    var away = box.getAttribute("data-status") === "away";
    if (away && (awayReason === "idle" || localInput - lastBack > 30000)) {
      lastBack = localInput;  // another tab's idle away is unknown here: ask, the server decides
      idle("online");
    }
  }
  ["keydown", "mousedown", "mousemove", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, onInput, { passive: true, capture: true });
  });
  setInterval(function () {
    if (idleMinutes > 0 && box.getAttribute("data-status") === "online" &&
        Date.now() - lastInput() > idleMinutes * 60000) idle("away");
  }, 10000);
  // A status chosen while this read was on its way is newer than what the read brings back
  // (a slow answer once turned a fresh "online" back into "offline").
  var asked = chosen;
  fetch("/api/v1/agents/me", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) { if (data) learn(data, chosen !== asked); })
    .catch(function () { /* the socket's hello shows the status anyway */ });

  if (document.getElementById("workspace")) return;  // the workspace socket does the rest
  var attempt = 0, ping = null;
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/agent?feed=presence");
    ws.onopen = function () {
      attempt = 0;
      clearInterval(ping);
      ping = setInterval(function () { try { ws.send('{"type":"ping"}'); } catch (e) { /* closing */ } }, 25000);
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (!f) return;
      if (f.type === "hello" || f.type === "presence") show(f.status);
      if (f.type === "ticket_notice") ticketNotice(f);
      if (f.type === "assigned" && f.conversation_id) {
        var a = document.createElement("a");
        a.href = "/agent?c=" + f.conversation_id;
        a.textContent = (T.new_chat || "") + " → " + (T.open || "");
        a.setAttribute("data-testid", "new-chat-link");
        toast(a);
      }
    };
    ws.onclose = function (ev) {
      clearInterval(ping);
      if (ev.code === 4401) return;
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt++)) * (0.75 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }
  connect();
})();
