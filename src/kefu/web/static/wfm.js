// The /wfm staffing curve: forecast contacts, required and scheduled agents; understaffed
// intervals shaded red.
(function () {
  var el = document.getElementById("wfm-chart");
  var raw = document.getElementById("wfm-data");
  if (!el || !raw || typeof echarts === "undefined") return;
  var d = JSON.parse(raw.textContent);
  var areas = [];
  for (var i = 0; i < d.x.length; i++) {
    if (d.scheduled[i] < d.required[i]) {
      var j = i;
      while (j + 1 < d.x.length && d.scheduled[j + 1] < d.required[j + 1]) j++;
      areas.push([{ xAxis: d.x[i] }, { xAxis: d.x[j] }]);
      i = j;
    }
  }
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [el.dataset.labelVolume, el.dataset.labelRequired, el.dataset.labelScheduled] },
    dataZoom: [{ type: "inside" }, { type: "slider" }],
    xAxis: { type: "category", data: d.x },
    yAxis: [{ type: "value", name: el.dataset.labelRequired }, { type: "value", name: el.dataset.labelVolume }],
    series: [
      { name: el.dataset.labelVolume, type: "bar", yAxisIndex: 1, data: d.volume, itemStyle: { opacity: 0.35 } },
      {
        name: el.dataset.labelRequired, type: "line", step: "middle", data: d.required, showSymbol: false,
        markArea: { itemStyle: { color: "rgba(220,38,38,0.15)" }, data: areas }
      },
      { name: el.dataset.labelScheduled, type: "line", step: "middle", data: d.scheduled, showSymbol: false }
    ]
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
