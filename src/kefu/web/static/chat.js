// Customer chat (/chat, also inside the widget iframe). Protocol: docs/chat-protocol.md.
// The server is the truth: messages are keyed by seq (never shown twice); a fresh page
// rebuilds the history with resume after 0, a reconnect resumes after the last seq on the
// page, and un-acked messages (kept with the session) are re-sent with the same client_id.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("chat-i18n").textContent);
  var LOCALE = document.getElementById("chat-app").getAttribute("data-locale") || "zh-CN";
  var KEY = "kefu.chat.v1";
  var EMBED = document.body.classList.contains("embed");
  var $ = function (id) { return document.getElementById(id); };

  // Inside the widget the host page keeps the session (browsers block or partition a
  // third-party frame's storage), and a frame only ever sees the session its own host gave
  // it; standalone, the page keeps it in its own storage.
  var FRAMED = EMBED && window.parent !== window;
  var state = {};
  var fromChat = false;         // the leave-a-message form was opened from a chat (hand-off outside hours)
  var ws = null, wsOpen = false, attempt = 0, retryTimer = null, pingTimer = null;
  var syncing = false;          // between sending resume and receiving resumed
  var synced = 0;               // every message up to this seq is on the page (0: fresh page)
  var maxSeen = 0;              // highest seq rendered in this page
  var bySeq = {};               // seq -> <li>
  var byClient = {};            // client_id -> <li>
  var agentName = "";
  var lastTypingSent = 0, typingHide = null, lastReadSent = 0;
  var visible = !EMBED || window.parent === window, unread = 0, score = 0, ended = false;

  function load() {
    if (!FRAMED) {
      try { return Promise.resolve(JSON.parse(localStorage.getItem(KEY) || "null")); } catch (e) { return Promise.resolve(null); }
    }
    return new Promise(function (resolve) {
      var done = false;
      function finish(value) { if (!done) { done = true; window.removeEventListener("message", onState); resolve(value); } }
      function onState(ev) {
        if (ev.source === window.parent && ev.data && ev.data.type === "kefu:state") finish(ev.data.state || null);
      }
      window.addEventListener("message", onState);
      toParent({ type: "kefu:ready" });
      setTimeout(function () { finish(null); }, 2000);  // an old or missing widget script
    });
  }
  function clean(s) {
    if (!s || typeof s !== "object" || typeof s.token !== "string") return {};
    return {
      token: s.token, conversation_id: +s.conversation_id || 0, last_seq: Math.max(0, +s.last_seq || 0),
      rated: !!s.rated,
      outbox: Array.isArray(s.outbox) ? s.outbox.filter(function (m) {
        return m && typeof m.client_id === "string" && typeof m.text === "string";
      }) : [],
    };
  }
  function save() {
    if (FRAMED) { toParent({ type: "kefu:save", state: state }); return; }
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: no resume */ }
  }
  function fmt(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? vars[k] : m; });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function show(id) {
    ["chat-loading", "prechat", "offline", "offline-done", "conversation"].forEach(function (p) {
      $(p).hidden = p !== id;
    });
  }
  function setError(id, text) { var el = $(id); el.textContent = text || ""; el.hidden = !text; }
  function sub(text) { $("chat-sub").textContent = text || ""; }
  function banner(text) { var b = $("chat-banner"); b.textContent = text || ""; b.hidden = !text; }
  function toParent(msg) { if (EMBED && window.parent !== window) window.parent.postMessage(msg, "*"); }

  async function api(method, path, body, auth) {
    var headers = { "Accept": "application/json" };
    if (body && !(body instanceof FormData)) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
    if (auth) headers["Authorization"] = "Bearer " + state.token;
    var r = await fetch(path, { method: method, headers: headers, body: body, credentials: "omit" });
    var data = null;
    if (r.status !== 204) { try { data = await r.json(); } catch (e) { data = null; } }
    return { status: r.status, ok: r.ok, data: data };
  }

  // ---- start: resume a stored session, or status → pre-chat / offline form ----------
  async function start() {
    if (state.token) { openConversation(); return; }
    show("chat-loading");
    var r;
    try { r = await api("GET", "/api/v1/widget/status"); } catch (e) { r = { ok: false }; }
    // The bot answers 7×24: the form only when nobody answers at all (the bot turned off
    // or set to rest outside hours, and no agent hours now).
    // A major incident (P1/P2) in progress: its customer text above everything else.
    if (r.ok && r.data && r.data.banner) { $("chat-incident").textContent = r.data.banner; $("chat-incident").hidden = false; }
    if (r.ok && r.data && r.data.open === false && r.data.bot !== true) { show("offline"); return; }
    if (r.ok && r.data) {
      if (r.data.greeting) $("prechat-greeting").textContent = r.data.greeting;
      if (r.data.agents_online) sub(fmt(T.agents_online, { count: r.data.agents_online }));
    }
    show("prechat");
  }

  $("prechat").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var f = ev.target, body = { locale: LOCALE.replace("-", "_") };
    ["name", "email", "phone"].forEach(function (k) { var v = f.elements[k].value.trim(); if (v) body[k] = v; });
    f.querySelector("button[type=submit]").disabled = true;
    setError("prechat-error", "");
    try {
      var r = await api("POST", "/api/v1/widget/sessions", body);
      if (!r.ok) { setError("prechat-error", (r.data && r.data.error && r.data.error.message) || T.failed_request); return; }
      state = { token: r.data.session_token, conversation_id: r.data.conversation_id, last_seq: 0, outbox: [] };
      save();
      openConversation();
    } catch (e) {
      setError("prechat-error", T.failed_request);
    } finally {
      f.querySelector("button[type=submit]").disabled = false;
    }
  });

  $("offline").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var f = ev.target, body = {};
    ["name", "email", "phone", "text"].forEach(function (k) { var v = f.elements[k].value.trim(); if (v) body[k] = v; });
    if (!body.name || !body.text) { setError("offline-error", T.need_name_text); return; }
    if (!body.email && !body.phone) { setError("offline-error", T.need_contact); return; }
    setError("offline-error", "");
    try {
      var r = await api("POST", "/api/v1/widget/offline", body, fromChat && !!state.token);
      if (!r.ok) { setError("offline-error", (r.data && r.data.error && r.data.error.message) || T.failed_request); return; }
      $("offline-done-text").textContent = fmt(T.offline_done, { id: r.data.ticket_id });
      show("offline-done");
      $("offline-done-back").hidden = !fromChat;
    } catch (e) { setError("offline-error", T.failed_request); }
  });

  function openConversation() {
    show("conversation");
    state.outbox = state.outbox || [];
    state.outbox.forEach(function (m) { renderPending(m.client_id, m.text); });
    connect();
  }

  function resetSession(notice) {
    state = {}; save();
    if (ws) { try { ws.onclose = null; ws.close(); } catch (e) { /* already closed */ } }
    ws = null; wsOpen = false;
    $("messages").textContent = "";
    bySeq = {}; byClient = {}; maxSeen = 0; ended = false; score = 0;
    $("rating").hidden = true; $("chat-ended").hidden = true; $("composer").hidden = false;
    banner("");
    start().then(function () { setError("prechat-error", notice || ""); });
  }

  // ---- socket ------------------------------------------------------------------------
  function connect() {
    clearTimeout(retryTimer);
    if (!state.token) return;
    sub(T.connecting);
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/chat?token=" + encodeURIComponent(state.token));
    ws.onopen = function () {
      wsOpen = true; attempt = 0; sub(T.online);
      syncing = true;
      send({ type: "resume", after_seq: synced });
      (state.outbox || []).forEach(function (m) { send({ type: "message", client_id: m.client_id, text: m.text }); });
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
      if (ev.code === 4401) { resetSession(T.expired); return; }
      if (ev.code === 4403) { sub(T.forbidden); return; }
      sub(T.reconnecting);
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt++)) * (0.75 + Math.random() / 2);
      retryTimer = setTimeout(connect, delay);
    };
  }
  function send(frame) {
    if (!ws || !wsOpen) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }
  window.addEventListener("online", function () { if (!wsOpen && state.token) { attempt = 0; connect(); } });

  var handlers = {
    hello: function (f) {
      handoffButton(f.status === "bot" || f.status === "closed");
      if (f.status === "closed") onClosed();
    },
    message: function (f) { renderMessage(f); },
    resumed: function (f) {
      syncing = false;
      synced = Math.max(synced, f.last_seq || 0, maxSeen);
      state.last_seq = Math.max(state.last_seq || 0, synced);
      save();
      markRead();
    },
    ack: function (f) {
      var li = byClient[f.client_id];
      state.outbox = (state.outbox || []).filter(function (m) { return m.client_id !== f.client_id; });
      save();
      if (!li) return;
      delete byClient[f.client_id];
      if (bySeq[f.seq] && bySeq[f.seq] !== li) { li.remove(); return; }
      setSeq(li, f.seq);
      setStatus(li, T.sent, "sent");
    },
    queue: function (f) {
      var minutes = Math.max(1, Math.round((f.eta_seconds || 0) / 60));
      var text = f.staffed === false ? T.queue_unstaffed : (f.eta_seconds ? T.queue : T.queue_soon);
      banner(fmt(text, { position: f.position, minutes: minutes }));
      handoffButton(false);
    },
    assigned: function (f) {
      agentName = f.agent_name || "";
      banner(fmt(T.assigned, { name: agentName || T.agent }));
      handoffButton(false);
    },
    typing: function () {
      $("chat-typing").hidden = false;
      clearTimeout(typingHide);
      typingHide = setTimeout(function () { $("chat-typing").hidden = true; }, 4000);
    },
    read: function (f) {
      Object.keys(bySeq).forEach(function (s) {
        var li = bySeq[s];
        if (+s <= f.seq && li.classList.contains("from-customer")) setStatus(li, T.read, "read");
      });
    },
    closed: function () { onClosed(); },
    error: function (f) {
      if (f.code === "future_seq") { synced = 0; send({ type: "resume", after_seq: 0 }); return; }
      if (f.code === "rate_limited") { banner(T.rate_limited); resendLater(); return; }
      var oldest = (state.outbox || [])[0];
      if (oldest && f.code !== "invalid_frame") arbitrate(oldest, 0);
    },
    pong: function () {},
  };

  var resendTimer = null;
  function resendLater() {
    clearTimeout(resendTimer);
    resendTimer = setTimeout(function () {
      (state.outbox || []).forEach(function (m) { send({ type: "message", client_id: m.client_id, text: m.text }); });
    }, 2000);
  }
  // Errors do not echo the client_id: the oldest message still waiting for its ack is sent
  // once more over REST with the same client_id (stored once), which answers definitely.
  var checking = {};
  async function arbitrate(m, delay) {
    if (checking[m.client_id]) return;
    checking[m.client_id] = true;
    if (delay) await new Promise(function (res) { setTimeout(res, delay); });
    var r;
    try { r = await api("POST", "/api/v1/widget/messages", { client_id: m.client_id, text: m.text }, true); } catch (e) { r = null; }
    delete checking[m.client_id];
    if (r && r.ok) { handlers.ack({ client_id: m.client_id, seq: r.data.seq }); return; }
    if (r && r.status === 401) { resetSession(T.expired); return; }
    if (r && r.status >= 400 && r.status < 500 && r.status !== 429) {
      state.outbox = (state.outbox || []).filter(function (x) { return x.client_id !== m.client_id; });
      save();
      var li = byClient[m.client_id];
      if (li) { setStatus(li, r.status === 422 ? T.text_too_long : T.failed, "failed"); delete byClient[m.client_id]; }
    }
  }

  // ---- rendering (text only through textContent) ------------------------------------
  function timeOf(iso) {
    var d = iso ? new Date(iso) : new Date();
    return isNaN(d) ? "" : d.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" });
  }
  function bubble(sender, text, iso) {
    var li = document.createElement("li");
    li.className = "chat-msg from-" + sender;
    if (sender === "agent" || sender === "bot") {
      var who = document.createElement("div");
      who.className = "chat-who";
      who.textContent = sender === "bot" ? T.bot : (agentName || T.agent);
      li.appendChild(who);
    }
    var body = document.createElement("div");
    body.className = "chat-text";
    body.textContent = text || "";
    li.appendChild(body);
    var meta = document.createElement("div");
    meta.className = "chat-meta";
    var time = document.createElement("span");
    time.textContent = timeOf(iso);
    var status = document.createElement("span");
    status.className = "chat-status";
    meta.appendChild(time); meta.appendChild(status);
    li.appendChild(meta);
    return li;
  }
  function setStatus(li, text, cls) {
    var s = li.querySelector(".chat-status");
    if (s) s.textContent = text ? " · " + text : "";
    li.classList.remove("pending", "sent", "read", "failed");
    if (cls) li.classList.add(cls);
  }
  function setSeq(li, seq) { li.setAttribute("data-seq", seq); bySeq[seq] = li; }
  function place(li, seq) {
    var list = $("messages"), nodes = list.children, before = null;
    for (var i = 0; i < nodes.length; i++) {
      var s = +nodes[i].getAttribute("data-seq");
      if (!nodes[i].hasAttribute("data-seq") || s > seq) { before = nodes[i]; break; }
    }
    list.insertBefore(li, before);
  }
  function scrollDown() { var l = $("messages"); l.scrollTop = l.scrollHeight; }

  function renderPending(clientId, text) {
    var li = bubble("customer", text, null);
    li.setAttribute("data-client-id", clientId);
    setStatus(li, T.sending, "pending");
    byClient[clientId] = li;
    $("messages").appendChild(li);
    scrollDown();
  }

  function renderMessage(f) {
    if (typeof f.seq !== "number" || bySeq[f.seq]) return;   // de-duplicate by seq
    maxSeen = Math.max(maxSeen, f.seq);
    if (!syncing) { synced = Math.max(synced, f.seq); state.last_seq = Math.max(state.last_seq || 0, f.seq); save(); }
    var li = null;
    if (f.sender === "customer") li = adoptPending(f.text);
    if (li) { setStatus(li, T.sent, "sent"); }
    else {
      li = bubble(f.sender, f.text, f.created_at);
      if (f.sender === "customer") setStatus(li, T.sent, "sent");
    }
    if (f.attachment) li.appendChild(attachmentLink(f.attachment));
    if (f.articles && f.articles.length) li.appendChild(articleLinks(f.articles));
    if (f.buttons && f.buttons.length) li.appendChild(quickReplies(f.buttons));
    setSeq(li, f.seq);
    place(li, f.seq);
    scrollDown();
    if (f.sender === "agent" || f.sender === "bot") {
      $("chat-typing").hidden = true;
      if (!visible || document.hidden) { unread++; toParent({ type: "kefu:unread", count: unread }); }
      else markRead();
    }
  }
  // Our own message echoed before its ack: reuse the pending bubble instead of a second one.
  function adoptPending(text) {
    var ids = Object.keys(byClient);
    for (var i = 0; i < ids.length; i++) {
      var li = byClient[ids[i]];
      if (!li.hasAttribute("data-seq") && li.querySelector(".chat-text").textContent === text) return li;
    }
    return null;
  }
  function attachmentLink(a) {
    var link = document.createElement("a");
    link.className = "chat-file";
    link.href = "/api/v1/widget/attachments/" + encodeURIComponent(a.id) + "?token=" + encodeURIComponent(state.token);
    link.textContent = "\u{1F4CE} " + (a.name || T.download);
    link.setAttribute("download", a.name || "");
    link.rel = "noopener";
    return link;
  }
  // Knowledge-base articles the bot suggests: open in the help center (a new tab).
  function articleLinks(articles) {
    var list = document.createElement("ul");
    list.className = "chat-articles";
    list.setAttribute("data-testid", "chat-articles");
    articles.forEach(function (a) {
      if (!a || typeof a.url !== "string" || a.url.charAt(0) !== "/") return;  // our own pages only
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = a.url; link.target = "_blank"; link.rel = "noopener";
      link.textContent = "\u{1F4C4} " + (a.title || a.url);
      item.appendChild(link);
      list.appendChild(item);
    });
    return list;
  }
  function quickReplies(buttons) {
    var box = document.createElement("div");
    box.className = "chat-quick";
    buttons.forEach(function (label) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "secondary small-btn"; b.textContent = label;
      b.addEventListener("click", function () { sendText(label); });
      box.appendChild(b);
    });
    return box;
  }

  function markRead() {
    if (!visible || document.hidden || !maxSeen || maxSeen <= lastReadSent) return;
    if (send({ type: "read", seq: maxSeen })) lastReadSent = maxSeen;
  }

  function handoffButton(on) { $("chat-handoff").hidden = !on; }
  function onClosed() {
    handoffButton(true);
    if (ended) return;
    ended = true;
    $("composer").hidden = true;
    banner("");
    $("chat-ended-text").textContent = T.closed;
    $("chat-ended").hidden = false;
    $("rating").hidden = !!state.rated;
    if (state.rated) $("chat-ended-text").textContent = T.closed + " " + T.thanks;
    scrollDown();
  }

  // ---- composing ---------------------------------------------------------------------
  function sendText(text) {
    text = text.trim();
    if (!text || ended) return;
    var m = { client_id: uuid(), text: text };
    state.outbox = (state.outbox || []).concat([m]);
    save();
    renderPending(m.client_id, m.text);
    send({ type: "message", client_id: m.client_id, text: m.text });
  }
  $("composer").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var box = $("chat-text");
    sendText(box.value);
    box.value = "";
    box.focus();
  });
  $("chat-text").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); $("composer").requestSubmit(); }
  });
  $("chat-text").addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTypingSent > 3000 && send({ type: "typing" })) lastTypingSent = now;
  });
  $("chat-handoff").addEventListener("click", async function () {
    // Outside agent hours a hand-off becomes a message: the form (with contact details so
    // someone can answer later) takes it, and the ticket gets this chat.
    var r;
    try { r = await api("GET", "/api/v1/widget/status"); } catch (e) { r = { ok: false }; }
    if (r.ok && r.data && r.data.open === false) { fromChat = true; $("offline-back").hidden = false; show("offline"); return; }
    if (send({ type: "handoff" })) banner(T.handoff_sent);
  });
  function backToChat() { fromChat = false; $("offline-back").hidden = true; $("offline-done-back").hidden = true; show("conversation"); }
  $("offline-back").addEventListener("click", backToChat);
  $("offline-done-back").addEventListener("click", backToChat);
  $("chat-file").addEventListener("change", async function (ev) {
    var file = ev.target.files && ev.target.files[0];
    if (!file) return;
    banner(fmt(T.uploading, { name: file.name }));
    var fd = new FormData();
    fd.append("file", file);
    try {
      var r = await api("POST", "/api/v1/widget/attachments", fd, true);
      banner(r.ok ? "" : (r.data && r.data.error && r.data.error.message) || T.upload_failed);
    } catch (e) { banner(T.upload_failed); }
    ev.target.value = "";
  });

  // ---- rating ------------------------------------------------------------------------
  var stars = document.querySelectorAll("#rating .star");
  stars.forEach(function (b) {
    b.addEventListener("click", function () {
      score = +b.getAttribute("data-score");
      stars.forEach(function (s) {
        var on = +s.getAttribute("data-score") <= score;
        s.classList.toggle("on", on);
        s.setAttribute("aria-checked", String(+s.getAttribute("data-score") === score));
      });
      $("rating").querySelector("button[type=submit]").disabled = false;
    });
  });
  $("rating").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (!score) return;
    var body = { score: score }, comment = ev.target.elements.comment.value.trim();
    if (comment) body.comment = comment;
    try {
      var r = await api("POST", "/api/v1/widget/rating", body, true);
      var code = r.data && r.data.error && r.data.error.code;
      if (r.ok || r.status === 409) {
        state.rated = true; save();
        $("rating").hidden = true;
        $("chat-ended-text").textContent = r.ok ? T.thanks : code === "nothing_to_rate" ? T.closed : T.rated_already;
      } else setError("rating-error", (r.data && r.data.error && r.data.error.message) || T.failed_request);
    } catch (e) { setError("rating-error", T.failed_request); }
  });
  // Writing again reopens the same conversation (with the bot first): history stays.
  $("chat-new").addEventListener("click", function () {
    ended = false;
    $("chat-ended").hidden = true; $("rating").hidden = true; $("composer").hidden = false;
    $("chat-text").focus();
  });

  // ---- embedding ---------------------------------------------------------------------
  if (EMBED) {
    var x = $("chat-close");
    if (x) x.addEventListener("click", function () { toParent({ type: "kefu:close" }); });
    window.addEventListener("message", function (ev) {
      if (ev.source !== window.parent || !ev.data || ev.data.type !== "kefu:visible") return;
      visible = !!ev.data.visible;
      if (visible) { unread = 0; toParent({ type: "kefu:unread", count: 0 }); markRead(); }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { markRead(); if (!wsOpen && state.token) { attempt = 0; connect(); } }
  });

  load().then(function (saved) { state = clean(saved); start(); });
})();
