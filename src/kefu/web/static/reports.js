// Historical reports (/reports): ECharts over GET /api/v1/analytics/breakdown for the range
// the page was rendered with (the summary table itself is rendered by the server).
(function () {
  "use strict";
  var root = document.getElementById("reports");
  if (!root || !window.echarts) return;
  var T = JSON.parse(document.getElementById("rp-i18n").textContent);
  var query = root.getAttribute("data-query");
  async function breakdown(by) {
    var r = await fetch("/api/v1/analytics/breakdown?by=" + by + "&" + query, { credentials: "same-origin" });
    if (!r.ok) return [];
    return (await r.json()).items || [];
  }
  function chart(id, option) {
    var c = echarts.init(document.getElementById(id));
    c.setOption(Object.assign({ tooltip: { trigger: "axis" }, legend: {}, grid: { left: 48, right: 24, bottom: 32 } }, option));
    window.addEventListener("resize", function () { c.resize(); });
  }
  function minutes(v) { return v === null ? null : Math.round(v / 6) / 10; }
  function pct(v) { return v === null ? null : Math.round(v * 1000) / 10; }
  breakdown("day").then(function (days) {
    var x = days.map(function (d) { return d.key; });
    chart("chart-volume", {
      xAxis: { type: "category", data: x }, yAxis: { type: "value" },
      series: [
        { name: T.created, type: "bar", data: days.map(function (d) { return d.tickets_created; }) },
        { name: T.solved, type: "line", data: days.map(function (d) { return d.tickets_solved; }) },
      ],
    });
    chart("chart-times", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : T.minutes.replace("{n}", v); } },
      xAxis: { type: "category", data: x }, yAxis: { type: "value", axisLabel: { formatter: function (v) { return T.minutes.replace("{n}", v); } } },
      series: [
        { name: T.frt, type: "line", connectNulls: true, data: days.map(function (d) { return minutes(d.first_reply_seconds_p50); }) },
        { name: T.res, type: "line", connectNulls: true, data: days.map(function (d) { return minutes(d.resolution_seconds_p50); }) },
      ],
    });
    chart("chart-quality", {
      xAxis: { type: "category", data: x }, yAxis: { type: "value", max: 100 },
      series: [
        { name: T.csat, type: "line", connectNulls: true, data: days.map(function (d) { return d.csat; }) },
        { name: T.fcr, type: "line", connectNulls: true, data: days.map(function (d) { return pct(d.fcr_rate); }) },
        { name: T.sla, type: "line", connectNulls: true, data: days.map(function (d) { return pct(d.sla_compliance); }) },
      ],
    });
  });
  breakdown("channel").then(function (rows) {
    chart("chart-channel", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: "65%", data: rows.map(function (r) { return { name: (T.channels && T.channels[r.key]) || r.key, value: r.tickets_created }; }) }],
    });
  });
})();
