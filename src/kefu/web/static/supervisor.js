// Supervisor live view (/supervisor): queues, agents and conversations at risk from
// GET /api/v1/routing/live, polled every 3 s and refreshed at once on socket events.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("sv-i18n").textContent);
  var LOCALE = document.getElementById("supervisor").getAttribute("data-locale") || "zh-CN";
  var CSRF = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var $ = function (id) { return document.getElementById(id); };
  var live = null, groups = null, pending = null, busy = false, target = null, toastTimer = null;
  var ws = null, attempt = 0;

  function seen(iso) {
    if (!iso) return T.seen_never;
    var s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 90) return T.seen_now;
    if (s < 3600) return T.seen_minutes.replace("{n}", Math.round(s / 60));
    if (s < 86400 * 2) return T.seen_hours.replace("{n}", Math.round(s / 3600));
    return T.seen_days.replace("{n}", Math.round(s / 86400));
  }
  function fmt(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? vars[k] : m; });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function wait(sec) {
    sec = Math.max(0, Math.round(sec || 0));
    if (sec >= 3600) return fmt(T.hours, { h: Math.floor(sec / 3600), m: Math.floor((sec % 3600) / 60) });
    return sec < 60 ? fmt(T.seconds, { n: sec }) : fmt(T.minutes, { m: Math.floor(sec / 60), s: sec % 60 });
  }
  function toast(text) {
    var t = $("toast");
    t.textContent = text; t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 4000);
  }
  async function api(method, path, body) {
    var headers = { "Accept": "application/json", "X-CSRF-Token": CSRF };
    if (body) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
    var r = await fetch(path, { method: method, headers: headers, body: body, credentials: "same-origin" });
    if (r.status === 401) location.href = "/login?next=/supervisor";
    var data = null;
    if (r.status !== 204) { try { data = await r.json(); } catch (e) { data = null; } }
    return { ok: r.ok, status: r.status, data: data };
  }
  function errorText(r) { return (r && r.data && r.data.error && r.data.error.message) || T.failed_request; }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      var r = await api("GET", "/api/v1/routing/live");
      if (!r.ok || !r.data) { $("sv-error").textContent = errorText(r); $("sv-error").hidden = false; return; }
      $("sv-error").hidden = true;
      live = r.data;
      render();
      $("live-updated").textContent = fmt(T.updated, {
        time: new Date().toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
      });
    } catch (e) { /* network hiccup: the next poll retries */ } finally { busy = false; }
  }
  function soon() { clearTimeout(pending); pending = setTimeout(refresh, 250); }

  function render() {
    var qb = $("queues-body"); qb.textContent = "";
    (live.queues || []).forEach(function (q) {
      var tr = el("tr");
      if (q.waiting > 0) tr.className = "sv-waiting";
      tr.appendChild(el("td", "", q.group_name));
      tr.appendChild(el("td", "", String(q.waiting)));
      tr.appendChild(el("td", "", q.waiting ? wait(q.longest_wait_seconds) : "—"));
      qb.appendChild(tr);
    });
    $("queues-empty").hidden = (live.queues || []).some(function (q) { return q.waiting > 0; });

    var ab = $("agents-body"); ab.textContent = "";
    (live.agents || []).forEach(function (a) {
      var tr = el("tr"), st = el("td");
      tr.setAttribute("data-user-id", a.user_id);
      tr.appendChild(el("td", "", a.name));
      var dot = el("span", "dot dot-" + a.status); dot.setAttribute("aria-hidden", "true");
      st.appendChild(dot); st.appendChild(document.createTextNode(" " + (T["presence_" + a.status] || a.status)));
      tr.appendChild(st);
      var full = a.chat_capacity && a.chat_load >= a.chat_capacity;
      tr.appendChild(el("td", full ? "sv-full" : "", a.chat_load + "/" + a.chat_capacity));
      tr.appendChild(el("td", "", a.ticket_load + "/" + a.ticket_capacity));
      tr.appendChild(el("td", "muted", seen(a.last_seen_at)));
      ab.appendChild(tr);
    });
    $("agents-empty").hidden = (live.agents || []).some(function (a) { return a.status === "online"; });

    var rb = $("risk-body"); rb.textContent = "";
    (live.at_risk || []).forEach(function (c) {
      var tr = el("tr"), act = el("td", "sv-actions");
      tr.setAttribute("data-conversation-id", c.conversation_id);
      tr.appendChild(el("td", "", c.customer_name));
      tr.appendChild(el("td", "", c.group_name || "—"));
      tr.appendChild(el("td", "sla-late", wait(c.waiting_seconds)));
      var take = el("button", "small-btn", T.take_over);
      take.type = "button"; take.setAttribute("data-testid", "take-over");
      take.addEventListener("click", function () { takeOver(c.conversation_id, take); });
      var re = el("button", "secondary small-btn", T.reassign);
      re.type = "button";
      re.addEventListener("click", function () { openReassign(c.conversation_id); });
      act.appendChild(take); act.appendChild(re);
      tr.appendChild(act);
      rb.appendChild(tr);
    });
    $("risk-empty").hidden = (live.at_risk || []).length > 0;
  }

  async function takeOver(id, button) {
    button.disabled = true;
    var r = await api("POST", "/api/v1/conversations/" + id + "/takeover");
    button.disabled = false;
    if (!r.ok) { toast(errorText(r)); return; }
    toast(T.taken);
    location.href = "/agent?c=" + encodeURIComponent(id);
  }

  async function openReassign(id) {
    target = id;
    var f = $("reassign-form");
    $("reassign-error").hidden = true;
    if (!groups) {
      var g = await api("GET", "/api/v1/groups");
      groups = g.ok && g.data ? g.data.items : [];
    }
    fill(f.elements.group_id, groups.map(function (g) { return [g.id, g.name]; }));
    fill(f.elements.user_id, (live ? live.agents : []).filter(function (a) { return a.status === "online"; }).map(function (a) {
      return [a.user_id, a.name + " · " + a.chat_load + "/" + a.chat_capacity];
    }));
    f.elements.note.value = "";
    $("reassign-dialog").showModal();
  }
  function fill(sel, pairs) {
    sel.textContent = "";
    pairs.forEach(function (p) { var o = document.createElement("option"); o.value = p[0]; o.textContent = p[1]; sel.appendChild(o); });
  }
  $("reassign-cancel").addEventListener("click", function () { $("reassign-dialog").close(); });
  $("reassign-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var f = ev.target, body = { note: f.elements.note.value.trim() };
    if (f.querySelector("input[value=user]").checked) {
      if (!f.elements.user_id.value) return;
      body.to_user_id = +f.elements.user_id.value;
    } else body.to_group_id = +f.elements.group_id.value;
    var r = await api("POST", "/api/v1/conversations/" + target + "/transfer", body);
    if (!r.ok) { $("reassign-error").textContent = errorText(r); $("reassign-error").hidden = false; return; }
    $("reassign-dialog").close();
    toast(T.reassigned);
    soon();
  });

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/agent");
    ws.onopen = function () { attempt = 0; };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && ["queue_changed", "assigned", "unassigned", "closed", "presence", "resync"].indexOf(f.type) >= 0) soon();
    };
    ws.onclose = function (ev) {
      if (ev.code === 4401) return;
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempt++)));
    };
  }
  setInterval(function () { if (!document.hidden) refresh(); }, 3000);
  setInterval(function () { if (ws && ws.readyState === 1) ws.send('{"type":"ping"}'); }, 25000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  refresh();
  connect();
})();
