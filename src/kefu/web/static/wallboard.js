// Live wallboard (/supervisor/wallboard): queues and agents from /api/v1/routing/live, today's
// CSAT, SLA risk and open tickets from /api/v1/analytics/live. Polled every 5 s and refreshed
// at once when the staff socket hints a change (a survey answered, a queue moved...).
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("wb-i18n").textContent);
  var LOCALE = document.getElementById("wallboard").getAttribute("data-locale") || "zh-CN";
  var $ = function (id) { return document.getElementById(id); };
  var busy = false, pending = null, ws = null, attempt = 0;
  var HINTS = ["survey_answered", "followup", "queue_changed", "assigned", "unassigned", "closed", "presence", "resync"];

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
  function wait(sec) {
    sec = Math.max(0, Math.round(sec || 0));
    if (sec >= 3600) return fmt(T.hours, { h: Math.floor(sec / 3600), m: Math.floor((sec % 3600) / 60) });
    return sec < 60 ? fmt(T.seconds, { n: sec }) : fmt(T.minutes, { m: Math.floor(sec / 60), s: sec % 60 });
  }
  function cell(tr, text, cls) { var td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); }
  async function get(path) {
    var r = await fetch(path, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
    if (r.status === 401) { location.href = "/login?next=/supervisor/wallboard"; return null; }
    if (!r.ok) throw new Error(String(r.status));
    return r.json();
  }
  function tone(id, bad) { $(id).classList.toggle("wb-bad", !!bad); }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      var both = await Promise.all([get("/api/v1/routing/live"), get("/api/v1/analytics/live")]);
      var live = both[0], stats = both[1];
      if (!live || !stats) return;
      $("wb-error").hidden = true;
      var waiting = 0, longest = 0;
      var qb = $("wb-queues"); qb.textContent = "";
      (live.queues || []).forEach(function (q) {
        waiting += q.waiting; longest = Math.max(longest, q.longest_wait_seconds || 0);
        var tr = document.createElement("tr");
        cell(tr, q.group_name); cell(tr, String(q.waiting)); cell(tr, q.waiting ? wait(q.longest_wait_seconds) : "—");
        qb.appendChild(tr);
      });
      $("wb-waiting").textContent = String(waiting);
      $("wb-longest").textContent = waiting ? wait(longest) : "—";
      var counts = { online: 0, away: 0, offline: 0 };
      var ab = $("wb-agents"); ab.textContent = "";
      (live.agents || []).forEach(function (a) {
        counts[a.status] = (counts[a.status] || 0) + 1;
        var tr = document.createElement("tr");
        cell(tr, a.name); cell(tr, T["presence_" + a.status] || a.status);
        cell(tr, a.chat_load + "/" + a.chat_capacity); cell(tr, a.ticket_load + "/" + a.ticket_capacity);
        cell(tr, seen(a.last_seen_at));
        ab.appendChild(tr);
      });
      $("wb-online").textContent = String(counts.online);
      $("wb-away").textContent = String(counts.away);
      $("wb-risk").textContent = String(stats.sla_at_risk); tone("tile-risk", stats.sla_at_risk > 0);
      $("wb-overdue").textContent = String(stats.sla_overdue); tone("tile-overdue", stats.sla_overdue > 0);
      $("wb-csat").textContent = stats.csat_today === null ? "—" : Number(stats.csat_today).toFixed(1);
      $("wb-csat-n").textContent = String(stats.csat_responses_today);
      tone("tile-csat", stats.csat_today !== null && stats.csat_today < 88);
      var sl = stats.call_service_level_30s_today;
      $("wb-calls-sl").textContent = sl === null || sl === undefined ? "—" : Math.round(sl * 1000) / 10 + "%";
      $("wb-calls-n").textContent = String(stats.calls_today || 0);
      tone("tile-calls", sl !== null && sl !== undefined && sl < 0.8);  // the plan: 80 % within 30 s
      var open = 0; Object.keys(stats.tickets_by_status || {}).forEach(function (k) { open += stats.tickets_by_status[k]; });
      $("wb-open").textContent = String(open);
      $("wb-updated").textContent = fmt(T.updated, {
        time: new Date().toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
      });
    } catch (e) {
      $("wb-error").textContent = T.failed_request; $("wb-error").hidden = false;
    } finally { busy = false; }
  }
  function soon() { clearTimeout(pending); pending = setTimeout(refresh, 200); }
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/agent");
    ws.onopen = function () { attempt = 0; };
    ws.onmessage = function (ev) {
      var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && HINTS.indexOf(f.type) >= 0) soon();
    };
    ws.onclose = function (ev) {
      if (ev.code === 4401) return;
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempt++)));
    };
  }
  setInterval(function () { if (!document.hidden) refresh(); }, 5000);
  setInterval(function () { if (ws && ws.readyState === 1) ws.send('{"type":"ping"}'); }, 25000);
  refresh();
  connect();
})();
