// Agent workspace (/agent): presence, my conversations, several chats at once, customer
// panel. Protocol: docs/chat-protocol.md. Messages are keyed by seq (resume after the last
// one seen); replies carry a client_id and stay pending until their ack.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("ws-i18n").textContent);
  var root = document.getElementById("workspace");
  var ME = { id: +root.getAttribute("data-user-id"), name: root.getAttribute("data-user-name") };
  var LOCALE = root.getAttribute("data-locale") || "zh-CN";
  var CSRF = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var $ = function (id) { return document.getElementById(id); };

  var ws = null, wsOpen = false, attempt = 0, retryTimer = null, pingTimer = null;
  var convs = {};             // id -> {id, item, detail, view, bySeq, lastSeq, readSent, readOnly, customerId}
  var items = {};             // id -> list item data (scope=mine)
  var outbox = [];            // in-flight replies, oldest first
  var resendTimer = null;
  var current = null, macros = null, groups = null, audio = null, toastTimer = null;

  // ---- helpers -----------------------------------------------------------------------
  // "已等待 3 分 20 秒", not "已等待 200 秒": waits read in the unit people use.
  function waitText(sec) {
    sec = Math.max(0, Math.round(sec || 0));
    if (sec >= 3600) return fmt(T.hours, { h: Math.floor(sec / 3600), m: Math.floor((sec % 3600) / 60) });
    return sec < 60 ? fmt(T.seconds, { n: sec }) : fmt(T.minutes, { m: Math.floor(sec / 60), s: sec % 60 });
  }
  function fmt(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? vars[k] : m; });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function toast(text) {
    var t = $("toast");
    t.textContent = text; t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 5000);
  }
  function timeOf(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d)) return "";
    var sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? d.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" })
      : d.toLocaleString(LOCALE, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  async function api(method, path, body) {
    var headers = { "Accept": "application/json", "X-CSRF-Token": CSRF };
    if (body && !(body instanceof FormData)) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
    var r = await fetch(path, { method: method, headers: headers, body: body, credentials: "same-origin" });
    if (r.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
    var data = null;
    if (r.status !== 204) { try { data = await r.json(); } catch (e) { data = null; } }
    return { ok: r.ok, status: r.status, data: data };
  }
  function errorText(r) { return (r && r.data && r.data.error && r.data.error.message) || T.failed_request; }

  // ---- presence ----------------------------------------------------------------------
  var presenceChoices = 0;  // a read sent before the agent's latest choice answers with older news
  async function refreshMe() {
    var asked = presenceChoices;
    var r = await api("GET", "/api/v1/agents/me");
    if (r.ok && r.data && asked === presenceChoices) showPresence(r.data.status, r.data);
  }
  function showPresence(status, data) {
    if (!status) return;
    if (window.kefuPresence) window.kefuPresence.show(data && data.chosen_status ? data.chosen_status : status);
    if (data && $("online-on-login")) $("online-on-login").checked = !!data.online_on_login;
    $("presence-label").textContent = T["presence_" + status] || status;
    $("presence-dot").className = "dot dot-" + status;
    $("presence-select").value = status;
    $("presence-select").disabled = false;
    $("go-online").hidden = status === "online";
    if (data) {
      $("load-label").textContent = fmt(T.load, {
        load: data.chat_load, capacity: data.chat_capacity, tload: data.ticket_load, tcapacity: data.ticket_capacity,
      });
    }
  }
  async function setPresence(status) {
    presenceChoices++;
    if (!send({ type: "presence", status: status })) {
      var r = await api("PUT", "/api/v1/agents/me/presence", { status: status });
      if (!r.ok) { toast(errorText(r)); return; }
      refreshMe();
    }
  }
  $("presence-select").addEventListener("change", function (ev) { setPresence(ev.target.value); });
  document.addEventListener("kefu:presence", function (ev) { if (ev.detail) showPresence(ev.detail.status, ev.detail); });
  if ($("online-on-login")) {
    $("online-on-login").addEventListener("change", async function (ev) {
      var r = await api("PUT", "/api/v1/agents/me/presence", { status: $("presence-select").value, online_on_login: ev.target.checked });
      if (!r.ok) toast(errorText(r)); else refreshMe();
    });
  }
  $("go-online").addEventListener("click", function () {
    unlockAudio();
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
    setPresence("online");
  });

  // ---- socket ------------------------------------------------------------------------
  function connect() {
    clearTimeout(retryTimer);
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/agent");
    ws.onopen = function () {
      wsOpen = true; attempt = 0;
      $("ws-conn").textContent = T.connected;
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, 25000);
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f.type === "string" && handlers[f.type]) handlers[f.type](f);
    };
    ws.onclose = function (ev) {
      wsOpen = false; clearInterval(pingTimer);
      if (ev.code === 4401) { location.href = "/login?next=/agent"; return; }
      $("ws-conn").textContent = T.reconnecting;
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt++)) * (0.75 + Math.random() / 2);
      retryTimer = setTimeout(connect, delay);
    };
  }
  function send(frame) {
    if (!ws || !wsOpen) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }
  function resync() {
    Object.keys(convs).forEach(function (id) {
      var c = convs[id];
      if (c.loaded) send({ type: "resume", conversation_id: c.id, after_seq: c.lastSeq });
    });
    outbox.forEach(function (m) {
      send({ type: "message", conversation_id: m.conversation_id, client_id: m.client_id, text: m.text, internal: m.internal });
    });
    loadList();
  }

  var handlers = {
    hello: function (f) {
      // Presence lives on the server (per person): a reconnect shows it, never resets it.
      showPresence(f.status);
      refreshMe();
      resync();
    },
    resync: function () { resync(); },
    screen_pop: function (f) {
      // The answering agent's caller card (phone): who calls, then their call conversation.
      toast("📞 " + (f.customer_name || f.caller || "") + (f.caller && f.customer_name ? " · " + f.caller : ""));
      if (f.conversation_id) openConversation(f.conversation_id);
    },
    presence: function (f) { showPresence(f.status); refreshMe(); },
    ticket_notice: function (f) {  // the header's pop-up (presence.js), as on every staff page
      if (window.kefuPresence && window.kefuPresence.ticketNotice) window.kefuPresence.ticketNotice(f);
    },
    assigned: function (f) {
      notify(f);
      loadList().then(function () {
        if (convs[f.conversation_id]) {
          convs[f.conversation_id].readOnly = false;
          reloadConversation(convs[f.conversation_id]);
        }
        if (!current) openConversation(f.conversation_id);
      });
      refreshMe();
    },
    unassigned: function (f) {
      var c = convs[f.conversation_id];
      if (c) { c.readOnly = true; applyMode(c); notice(c, T.unassigned); }
      loadList(); refreshMe();
    },
    message: function (f) {
      var c = convs[f.conversation_id];
      if (c) addMessage(c, f);
      var it = items[f.conversation_id];
      if (it) {
        it.last_message = { sender: f.sender, text: f.text, created_at: f.created_at };
        if (f.sender === "customer" && !(c && isVisible(c))) it.unread = (it.unread || 0) + 1;
        renderList();
      } else if (!c) { loadList(); }
      if (c && isVisible(c)) markRead(c);
    },
    typing: function (f) {
      var c = convs[f.conversation_id];
      if (!c) return;
      var t = c.view.querySelector(".cv-typing");
      t.hidden = false;
      clearTimeout(c.typingHide);
      c.typingHide = setTimeout(function () { t.hidden = true; }, 4000);
    },
    read: function (f) {
      var c = convs[f.conversation_id];
      if (!c) return;
      Object.keys(c.bySeq).forEach(function (s) {
        var li = c.bySeq[s];
        if (+s <= f.seq && li.classList.contains("from-agent") && !li.classList.contains("internal")) setStatus(li, T.read, "read");
      });
    },
    closed: function (f) {
      var c = convs[f.conversation_id];
      if (c) { if (c.detail) c.detail.status = "closed"; applyMode(c); notice(c, T.closed); }
      if (items[f.conversation_id]) items[f.conversation_id].status = "closed";
      renderList(); refreshMe();
    },
    ack: function (f) {
      outbox = outbox.filter(function (m) { return m.client_id !== f.client_id; });
      var c = convs[f.conversation_id];
      if (!c) return;
      var li = c.byClient[f.client_id];
      if (!li) return;
      delete c.byClient[f.client_id];
      if (c.bySeq[f.seq] && c.bySeq[f.seq] !== li) { li.remove(); return; }
      setSeq(c, li, f.seq);
      if (!li.classList.contains("read")) setStatus(li, li.classList.contains("internal") ? "" : T.sent, "sent");
    },
    error: function (f) {
      if (f.code === "rate_limited") {
        toast(f.message || T.failed_request);
        clearTimeout(resendTimer);
        resendTimer = setTimeout(function () {
          outbox.forEach(function (m) {
            send({ type: "message", conversation_id: m.conversation_id, client_id: m.client_id, text: m.text, internal: m.internal });
          });
        }, 2000);
        return;
      }
      // Errors do not echo the client_id, so the oldest reply still waiting for its ack is
      // asked once more over REST with the same client_id: stored once, definite answer.
      if (outbox.length && ["future_seq", "invalid_frame"].indexOf(f.code) < 0) arbitrate(outbox[0]);
    },
    pong: function () {},
    queue_changed: function () {},
  };

  async function arbitrate(m) {
    if (m.checking) return;
    m.checking = true;
    if (m.delay) await new Promise(function (res) { setTimeout(res, m.delay); });
    var r;
    try {
      r = await api("POST", "/api/v1/conversations/" + m.conversation_id + "/messages",
        { client_id: m.client_id, text: m.text, internal: m.internal });
    } catch (e) { r = null; }
    m.checking = false;
    if (r && r.ok) { handlers.ack({ client_id: m.client_id, seq: r.data.seq, conversation_id: m.conversation_id }); return; }
    if (r && r.status >= 400 && r.status < 500 && r.status !== 429) {
      outbox = outbox.filter(function (x) { return x !== m; });
      var c = convs[m.conversation_id];
      if (c && c.byClient[m.client_id]) { setStatus(c.byClient[m.client_id], T.failed, "failed"); delete c.byClient[m.client_id]; }
      toast(errorText(r));
    } else {
      m.delay = Math.min(30000, (m.delay || 1000) * 2);  // busy or offline: the socket retries on reconnect
    }
  }

  // ---- notifications -----------------------------------------------------------------
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume();
  }
  function beep() {
    if (!audio) return;
    [0, 0.22].forEach(function (at) {
      var o = audio.createOscillator(), g = audio.createGain(), t0 = audio.currentTime + at;
      o.type = "sine"; o.frequency.value = 880;
      g.gain.setValueAtTime(0.0001, t0);
      g.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.18);
      o.connect(g); g.connect(audio.destination);
      o.start(t0); o.stop(t0 + 0.2);
    });
  }
  function notify(f) {
    var title = fmt(T.new_assigned, { name: f.customer_name || T.customer });
    var reason = reasonText(f.reason);
    toast(title + (reason ? " · " + reason : ""));
    beep();
    if (window.Notification && Notification.permission === "granted") {
      try {
        var n = new Notification(title, { body: reason || T.notify_body, tag: "kefu-conv-" + f.conversation_id });
        n.onclick = function () { window.focus(); openConversation(f.conversation_id); n.close(); };
      } catch (e) { /* some mobile browsers only notify from a service worker */ }
    }
  }
  function reasonText(reason) {
    if (!reason) return "";
    if (typeof reason === "string") return T["rule_" + reason] || reason;
    var parts = [];
    if (reason.rule) parts.push(T["rule_" + reason.rule] || String(reason.rule));
    if (reason.skills && reason.skills.length) parts.push(T.skills + ": " + [].concat(reason.skills).join(", "));
    if (typeof reason.load === "number") parts.push(T.load_word + ": " + reason.load + (reason.capacity ? "/" + reason.capacity : ""));
    if (typeof reason.waited_seconds === "number") parts.push(fmt(T.waited, { time: waitText(reason.waited_seconds) }));
    if (reason.note) parts.push(String(reason.note));
    return parts.join(" · ");
  }

  // ---- conversation list -------------------------------------------------------------
  async function loadList() {
    var r = await api("GET", "/api/v1/conversations?scope=mine");
    if (!r.ok || !r.data) return;
    items = {};
    r.data.items.forEach(function (it) {
      items[it.id] = it;
      var c = convs[it.id];
      if (c && isVisible(c)) it.unread = 0;
    });
    renderList();
  }
  function renderList() {
    var list = $("conv-list");
    list.textContent = "";
    var ids = Object.keys(items).sort(function (a, b) {
      var A = items[a], B = items[b];
      if ((A.status === "closed") !== (B.status === "closed")) return A.status === "closed" ? 1 : -1;
      var ta = (A.last_message && A.last_message.created_at) || A.assigned_at || A.created_at;
      var tb = (B.last_message && B.last_message.created_at) || B.assigned_at || B.created_at;
      return String(tb).localeCompare(String(ta));
    });
    ids.forEach(function (id) {
      var it = items[id];
      var li = el("li", "conv-item" + (+id === current ? " active" : "") + (it.status === "closed" ? " closed" : ""));
      li.setAttribute("data-testid", "conv-item");
      li.setAttribute("data-conversation-id", id);
      li.tabIndex = 0;
      li.setAttribute("role", "button");
      var top = el("div", "conv-top");
      top.appendChild(el("strong", "", (it.customer && it.customer.name) || T.customer));
      if (it.unread) { var u = el("span", "unread", String(it.unread)); u.setAttribute("data-testid", "unread"); top.appendChild(u); }
      top.appendChild(el("span", "muted small conv-time", timeOf((it.last_message && it.last_message.created_at) || it.created_at)));
      li.appendChild(top);
      var lm = it.last_message;
      li.appendChild(el("div", "conv-preview small muted", lm ? lm.text : (T["status_" + it.status] || it.status)));
      li.addEventListener("click", function () { openConversation(+id); });
      li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") openConversation(+id); });
      list.appendChild(li);
    });
    $("conv-empty").hidden = ids.length > 0;
  }

  // ---- conversation views ------------------------------------------------------------
  function isVisible(c) { return c.id === current && !document.hidden; }
  function makeConv(id) {
    var view = document.getElementById("conv-tpl").content.firstElementChild.cloneNode(true);
    view.setAttribute("data-conversation-id", id);
    view.hidden = true;
    $("ws-main").appendChild(view);
    var c = { id: id, view: view, bySeq: {}, byClient: {}, lastSeq: 0, readSent: 0, readOnly: false, loaded: false, lastTyping: 0 };
    convs[id] = c;
    wireView(c);
    return c;
  }
  async function openConversation(id) {
    id = +id;
    var c = convs[id] || makeConv(id);
    current = id;
    Object.keys(convs).forEach(function (k) { convs[k].view.hidden = +k !== id; });
    $("ws-placeholder").hidden = true;
    root.classList.add("show-conv");
    if (items[id]) items[id].unread = 0;
    renderList();
    try { history.replaceState(null, "", "/agent?c=" + id); } catch (e) { /* file:// */ }
    if (!c.loaded) await reloadConversation(c);
    else { showCustomer(c); markRead(c); }
    loadAssist(c);
    c.view.querySelector(".cv-text").focus();
  }
  async function reloadConversation(c) {
    var r = await api("GET", "/api/v1/conversations/" + c.id);
    if (!r.ok || !r.data) { notice(c, errorText(r)); return; }
    c.detail = r.data;
    c.customerId = r.data.customer_id || (r.data.customer && r.data.customer.id) || null;
    c.readOnly = r.data.assignee_id !== ME.id;
    (r.data.messages || []).forEach(function (m) { addMessage(c, m); });
    c.loaded = true;
    renderHead(c);
    applyMode(c);
    send({ type: "resume", conversation_id: c.id, after_seq: c.lastSeq });
    if (c.id === current) { showCustomer(c); markRead(c); }
  }
  function renderHead(c) {
    var d = c.detail, v = c.view;
    v.querySelector(".cv-name").textContent = (d.customer && d.customer.name) || T.customer;
    var link = v.querySelector(".cv-ticket");
    if (d.ticket_id) { link.hidden = false; link.href = "/agent/tickets/" + d.ticket_id; link.textContent = fmt(T.ticket, { id: d.ticket_id }); }
    var reason = reasonText(d.assign_reason);
    v.querySelector(".cv-reason").textContent = reason ? fmt(T.reason, { text: reason }) : "";
  }
  function applyMode(c) {
    var v = c.view, closed = c.detail && c.detail.status === "closed";
    if (c.detail) {
      var s = v.querySelector(".cv-status");
      s.textContent = T["status_" + c.detail.status] || c.detail.status;
      s.className = "badge cv-status chat-" + c.detail.status;
    }
    var off = closed || c.readOnly;
    v.querySelector(".ws-reply").hidden = off;
    v.querySelector(".cv-transfer").hidden = off;
    v.querySelector(".cv-close").hidden = off;
    if (c.readOnly && !closed) notice(c, T.not_mine);
    else if (!off) notice(c, "");
  }
  function notice(c, text) {
    var n = c.view.querySelector(".ws-notice");
    n.textContent = text || ""; n.hidden = !text;
  }

  function who(c, m) {
    if (m.sender === "customer") return (c.detail && c.detail.customer && c.detail.customer.name) || T.customer;
    if (m.sender === "bot") return T.bot;
    if (m.sender === "system") return T.system;
    if (m.user_id === ME.id || (m.user_id === undefined && c.detail && c.detail.assignee_id === ME.id)) return T.me;
    if (c.detail && m.user_id && m.user_id === c.detail.assignee_id && c.detail.assignee_name) return c.detail.assignee_name;
    return T.agent;
  }
  function bubble(c, m) {
    var li = el("li", "chat-msg from-" + m.sender + (m.internal ? " internal" : ""));
    var meta = el("div", "chat-who", who(c, m) + (m.internal ? " · " + T.internal : ""));
    li.appendChild(meta);
    li.appendChild(el("div", "chat-text", m.text || ""));
    var foot = el("div", "chat-meta");
    foot.appendChild(el("span", "", timeOf(m.created_at)));
    foot.appendChild(el("span", "chat-status"));
    li.appendChild(foot);
    if (m.attachment) li.appendChild(attachmentLink(m.attachment));
    if (m.buttons && m.buttons.length) li.appendChild(el("div", "muted small", "[" + m.buttons.join("] [") + "]"));
    (m.articles || []).forEach(function (a) {
      if (!a || typeof a.url !== "string" || a.url.charAt(0) !== "/") return;
      var link = el("a", "small", "\u{1F4C4} " + (a.title || a.url));
      link.href = a.url; link.target = "_blank"; link.rel = "noopener";
      li.appendChild(el("div")).appendChild(link);
    });
    if (m.sender === "customer" && m.emotion === "negative" && (m.anger || 0) >= 0.35) {  // upset, not just "有问题"
      meta.appendChild(el("span", "badge emotion-negative", T.emotion_negative));
      li.setAttribute("data-emotion", "negative");
    }
    return li;
  }
  function attachmentLink(a) {
    var link = el("a", "chat-file", "\u{1F4CE} " + (a.name || T.download));
    link.href = "/api/v1/conversations/attachments/" + encodeURIComponent(a.id);
    link.setAttribute("download", a.name || "");
    return link;
  }
  function setStatus(li, text, cls) {
    var s = li.querySelector(".chat-status");
    if (s) s.textContent = text ? " · " + text : "";
    li.classList.remove("pending", "sent", "read", "failed");
    if (cls) li.classList.add(cls);
  }
  function setSeq(c, li, seq) { li.setAttribute("data-seq", seq); c.bySeq[seq] = li; }
  function place(c, li, seq) {
    var list = c.view.querySelector(".ws-messages"), nodes = list.children, before = null;
    for (var i = 0; i < nodes.length; i++) {
      if (!nodes[i].hasAttribute("data-seq") || +nodes[i].getAttribute("data-seq") > seq) { before = nodes[i]; break; }
    }
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.insertBefore(li, before);
    if (atBottom || !before) list.scrollTop = list.scrollHeight;
  }
  function addMessage(c, m) {
    if (typeof m.seq !== "number" || c.bySeq[m.seq]) return;  // de-duplicate by seq
    c.lastSeq = Math.max(c.lastSeq, m.seq);
    var li = m.sender === "agent" ? adoptPending(c, m) : null;
    if (!li) li = bubble(c, m);
    else if (m.attachment) li.appendChild(attachmentLink(m.attachment));
    if (m.sender === "agent" && !m.internal && !li.classList.contains("read")) setStatus(li, T.sent, "sent");
    if (c.detail && m.sender === "agent" && !m.internal && m.seq <= (c.detail.customer_read_seq || 0)) setStatus(li, T.read, "read");
    setSeq(c, li, m.seq);
    place(c, li, m.seq);
    if (m.sender === "customer") c.view.querySelector(".cv-typing").hidden = true;
  }
  function adoptPending(c, m) {
    var ids = Object.keys(c.byClient);
    for (var i = 0; i < ids.length; i++) {
      var li = c.byClient[ids[i]];
      if (!li.hasAttribute("data-seq") && li.querySelector(".chat-text").textContent === m.text
          && li.classList.contains("internal") === !!m.internal) return li;
    }
    return null;
  }
  function markRead(c) {
    if (!isVisible(c) || c.readOnly || !c.lastSeq || c.lastSeq <= c.readSent) return;
    if (send({ type: "read", conversation_id: c.id, seq: c.lastSeq })) c.readSent = c.lastSeq;
  }

  function wireView(c) {
    var v = c.view, box = v.querySelector(".cv-text"), form = v.querySelector(".ws-reply");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = box.value.trim();
      if (!text) return;
      var internal = v.querySelector(".cv-internal").checked;
      var m = { conversation_id: c.id, client_id: uuid(), text: text, internal: internal };
      outbox.push(m);
      var li = bubble(c, { sender: "agent", text: text, internal: internal, user_id: ME.id });
      li.setAttribute("data-client-id", m.client_id);
      setStatus(li, T.sending, "pending");
      c.byClient[m.client_id] = li;
      place(c, li, Infinity);
      send({ type: "message", conversation_id: c.id, client_id: m.client_id, text: text, internal: internal });
      box.value = "";
    });
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
    });
    box.addEventListener("input", function () {
      var now = Date.now();
      if (!v.querySelector(".cv-internal").checked && now - c.lastTyping > 3000) {
        if (send({ type: "typing", conversation_id: c.id })) c.lastTyping = now;
      }
    });
    v.querySelector(".cv-internal").addEventListener("change", function (ev) { form.classList.toggle("note-mode", ev.target.checked); });
    var pick = v.querySelector(".cv-macro");
    fillMacros(pick);
    pick.addEventListener("change", function () {
      var mac = (macros || []).filter(function (x) { return String(x.id) === pick.value; })[0];
      pick.value = "";
      if (!mac) return;
      insertAtCursor(box, fillPlaceholders(mac.body, c));
    });
    v.querySelector(".cv-file").addEventListener("change", async function (ev) {
      var file = ev.target.files && ev.target.files[0];
      if (!file) return;
      toast(fmt(T.uploading, { name: file.name }));
      var fd = new FormData();
      fd.append("file", file);
      var r = await api("POST", "/api/v1/conversations/" + c.id + "/attachments", fd);
      if (!r.ok) toast(r.status === 413 ? T.upload_failed : errorText(r));
      ev.target.value = "";
    });
    v.querySelector(".cv-transfer").addEventListener("click", function () { openTransfer(c); });
    v.querySelector(".cv-close").addEventListener("click", function () { openClose(c); });
    v.querySelector(".cv-back").addEventListener("click", function () { root.classList.remove("show-conv"); });
    v.querySelector(".ws-messages").addEventListener("click", function () { markRead(c); });
  }
  function insertAtCursor(box, text) {
    var s = box.selectionStart || 0, e = box.selectionEnd || 0;
    box.value = box.value.slice(0, s) + text + box.value.slice(e);
    box.selectionStart = box.selectionEnd = s + text.length;
    box.focus();
  }
  function fillPlaceholders(body, c) {
    var d = c.detail || {};
    var values = {
      "customer.name": (d.customer && d.customer.name) || "",
      "agent.name": ME.name,
      "ticket.id": d.ticket_id ? String(d.ticket_id) : "",
      "ticket.subject": "",
      "group.name": d.group_name || "",
    };
    return String(body || "").replace(/\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}/g, function (m, k) { return values[k] || ""; });
  }
  async function loadMacros() {
    var r = await api("GET", "/api/v1/macros");
    macros = r.ok && r.data ? r.data.items.filter(function (m) { return m.active !== false; }) : [];
    Object.keys(convs).forEach(function (k) { fillMacros(convs[k].view.querySelector(".cv-macro")); });
  }
  function fillMacros(pick) {
    while (pick.options.length > 1) pick.remove(1);
    (macros || []).forEach(function (m) {
      var o = document.createElement("option");
      o.value = m.id; o.textContent = m.title;
      pick.appendChild(o);
    });
  }

  // ---- customer panel ----------------------------------------------------------------
  // ---- agent assist: articles, macros and the bot's best answer as an editable draft ---
  var assistTimer = null;
  async function loadAssist(c) {
    if (!c || c.id !== current) return;
    var r = await api("GET", "/api/v1/assist?conversation_id=" + c.id);
    if (c.id !== current) return;
    var panel = $("assist-panel");
    if (!r.ok || !r.data || !r.data.question) { panel.hidden = true; return; }
    var d = r.data;
    panel.hidden = false;
    $("assist-question").textContent = d.question;
    $("assist-draft-box").hidden = !d.draft;
    $("assist-draft").textContent = d.draft || "";
    $("assist-use").onclick = function () {
      var box = c.view.querySelector(".cv-text");
      box.value = d.draft; box.focus();
    };
    var arts = $("assist-articles"); arts.textContent = "";
    d.articles.forEach(function (a) {
      var li = el("li"), link = el("a", "", a.title);
      link.href = a.url; link.target = "_blank"; link.rel = "noopener";
      var add = el("button", "link small", T.insert_link);
      add.type = "button";
      add.addEventListener("click", function () {
        var box = c.view.querySelector(".cv-text");
        box.value = (box.value ? box.value + "\n" : "") + a.title + " " + location.origin + a.url;
        box.focus();
      });
      li.appendChild(link); li.appendChild(document.createTextNode(" ")); li.appendChild(add);
      arts.appendChild(li);
    });
    if (!d.articles.length) arts.appendChild(el("li", "muted", T.none));
    var mac = $("assist-macros"); mac.textContent = "";
    d.macros.forEach(function (m) {
      var li = el("li"), b = el("button", "link", m.title);
      b.type = "button";
      b.addEventListener("click", function () {
        var box = c.view.querySelector(".cv-text");
        box.value = m.body; box.focus();
      });
      li.appendChild(b);
      mac.appendChild(li);
    });
    if (!d.macros.length) mac.appendChild(el("li", "muted", T.none));
  }
  $("assist-refresh").addEventListener("click", function () { if (current) loadAssist(convs[current]); });
  function assistSoon(c) {
    clearTimeout(assistTimer);
    assistTimer = setTimeout(function () { loadAssist(c); }, 600);
  }

  async function showCustomer(c) {
    var id = c.customerId;
    $("customer-empty").hidden = !!id;
    $("customer-body").hidden = !id;
    if (!id) return;
    if (!c.customer) {
      var r = await api("GET", "/api/v1/customers/" + id);
      var p = await api("GET", "/api/v1/conversations?customer_id=" + id);
      c.customer = r.ok ? r.data : null;
      c.past = p.ok && p.data ? p.data.items : [];
    }
    if (current !== c.id || !c.customer) return;
    var cu = c.customer;
    $("cust-name").textContent = cu.name;
    $("cust-tier").textContent = T["tier_" + cu.tier] || cu.tier || "";
    $("cust-points").textContent = String(cu.points_balance || 0);
    $("cust-link").href = "/agent/customers/" + cu.id;
    var ids = $("cust-identities"); ids.textContent = "";
    (cu.identities || []).forEach(function (i) { ids.appendChild(el("li", "", ((T.identity || {})[i.kind] || i.kind) + "：" + i.value)); });
    var tk = $("cust-tickets"); tk.textContent = "";
    (cu.tickets || []).slice(0, 5).forEach(function (t) {
      var li = el("li"), a = el("a", "", "#" + t.id + " " + (t.subject || ""));
      a.href = "/agent/tickets/" + t.id;
      li.appendChild(a);
      if (t.status) li.appendChild(el("span", "muted", " · " + (T["ticket_status_" + t.status] || t.status)));
      tk.appendChild(li);
    });
    if (!tk.children.length) tk.appendChild(el("li", "muted", T.none));
    var pc = $("cust-convs"); pc.textContent = "";
    (c.past || []).filter(function (x) { return x.id !== c.id; }).slice(0, 8).forEach(function (x) {
      var li = el("li"), b = el("button", "link", timeOf(x.created_at) + " · " + (T["status_" + x.status] || x.status));
      b.type = "button";
      b.addEventListener("click", function () { openConversation(x.id); });
      li.appendChild(b);
      if (x.last_message) li.appendChild(el("div", "muted conv-preview", x.last_message.text));
      pc.appendChild(li);
    });
    if (!pc.children.length) pc.appendChild(el("li", "muted", T.none));
  }

  // ---- transfer and close ------------------------------------------------------------
  var dialogConv = null;
  async function openTransfer(c) {
    dialogConv = c;
    var form = $("transfer-form");
    $("transfer-error").hidden = true;
    if (!groups) {
      var g = await api("GET", "/api/v1/groups");
      groups = g.ok && g.data ? g.data.items : [];
    }
    fillSelect(form.elements.group_id, groups.map(function (g) { return [g.id, g.name]; }));
    var live = await api("GET", "/api/v1/routing/live");
    var agents = live.ok && live.data ? live.data.agents.filter(function (a) { return a.user_id !== ME.id; }) : [];
    fillSelect(form.elements.user_id, agents.map(function (a) {
      return [a.user_id, a.name + " · " + (T["presence_" + a.status] || a.status) + " · " + a.chat_load + "/" + a.chat_capacity];
    }));
    // Agents may not read the live view (supervisors only): then only groups are offered.
    $("transfer-to-agent").hidden = agents.length === 0;
    form.querySelector("input[value=group]").checked = true;
    form.elements.note.value = "";
    $("transfer-dialog").showModal();
  }
  function fillSelect(sel, pairs) {
    sel.textContent = "";
    pairs.forEach(function (p) { var o = document.createElement("option"); o.value = p[0]; o.textContent = p[1]; sel.appendChild(o); });
  }
  $("transfer-cancel").addEventListener("click", function () { $("transfer-dialog").close(); });
  $("transfer-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var f = ev.target, c = dialogConv, body = { note: f.elements.note.value.trim() };
    if (f.querySelector("input[value=user]").checked) body.to_user_id = +f.elements.user_id.value;
    else body.to_group_id = +f.elements.group_id.value;
    var r = await api("POST", "/api/v1/conversations/" + c.id + "/transfer", body);
    if (!r.ok) { $("transfer-error").textContent = errorText(r); $("transfer-error").hidden = false; return; }
    $("transfer-dialog").close();
    c.readOnly = true; applyMode(c); notice(c, T.transferred);
    toast(T.transferred);
    loadList(); refreshMe();
  });
  function openClose(c) { dialogConv = c; $("close-form").elements.solve_ticket.checked = false; $("close-dialog").showModal(); }
  $("close-cancel").addEventListener("click", function () { $("close-dialog").close(); });
  $("close-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var c = dialogConv;
    var r = await api("POST", "/api/v1/conversations/" + c.id + "/close", { solve_ticket: ev.target.elements.solve_ticket.checked });
    $("close-dialog").close();
    if (!r.ok) { toast(errorText(r)); return; }
    if (c.detail) c.detail.status = "closed";
    applyMode(c); notice(c, T.closed);
    if (items[c.id]) items[c.id].status = "closed";
    renderList(); refreshMe();
  });

  // ---- start -------------------------------------------------------------------------
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && current && convs[current]) markRead(convs[current]);
  });
  window.addEventListener("focus", function () { if (current && convs[current]) markRead(convs[current]); });
  window.addEventListener("online", function () { if (!wsOpen) { attempt = 0; connect(); } });
  document.addEventListener("pointerdown", unlockAudio, { once: true });

  refreshMe();
  loadMacros();
  loadList().then(function () {
    var want = new URLSearchParams(location.search).get("c");
    if (want && /^\d+$/.test(want)) openConversation(+want);
  });
  connect();
})();
