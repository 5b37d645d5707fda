// SLA clocks count down in the browser; the server's stored deadline is the truth.
(function () {
  function fmt(ms) {
    const neg = ms < 0; ms = Math.abs(ms);
    const m = Math.floor(ms / 60000), h = Math.floor(m / 60), d = Math.floor(h / 24);
    const text = d > 0 ? d + "d " + (h % 24) + "h" : h > 0 ? h + "h " + (m % 60) + "m" : m + "m";
    return (neg ? "-" : "") + text;
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = el.getAttribute("data-due");
      if (!due) return;
      const left = new Date(due).getTime() - Date.now();
      let span = el.querySelector(".countdown");
      if (!span) { span = document.createElement("span"); span.className = "countdown"; el.appendChild(span); }
      span.textContent = " " + fmt(left);
      el.classList.toggle("sla-late", left < 0);
      el.classList.toggle("sla-soon", left >= 0 && left < 3600000);
    });
  }
  tick();
  setInterval(tick, 30000);
})();
