// Draws the dashboard charts from the JSON the page embeds (no inline script).
window.addEventListener("load", function () {
  "use strict";
  var el = document.getElementById("dashboard-data");
  if (!el || !window.echarts) return;
  var d = JSON.parse(el.textContent);
  var zh = d.lang !== "en";
  var kinds = { repair: zh ? "报修" : "Repair", complaint: zh ? "投诉" : "Complaint", consultation: zh ? "咨询" : "Consultation", suggestion: zh ? "建议" : "Suggestion", praise: zh ? "表扬" : "Praise" };
  var colors = ["#0b5fd8", "#b3261e", "#1b6e35", "#8a4b00", "#5b2a86", "#00696b", "#5f6368"];

  function grouped(points, label) {
    var keys = [], series = {};
    points.forEach(function (p) {
      if (keys.indexOf(p.key) < 0) keys.push(p.key);
      var name = label ? label(p.series) : p.series;
      (series[name] = series[name] || {})[p.key] = p.value;
    });
    keys.sort();
    return { keys: keys, series: Object.keys(series).map(function (n) {
      return { name: n, data: keys.map(function (k) { return series[n][k] || 0; }) };
    }) };
  }
  // Drill-down: a click on a bar or a point opens the orders behind it.
  function orders(from, to, extra) {
    window.location.href = "/desk?queue=all&from=" + from + "&to=" + to + (extra || "") + (d.scope || "");
  }
  function monthEnd(ym) {
    var p = ym.split("-");
    var last = new Date(Number(p[0]), Number(p[1]), 0).getDate();
    return ym + "-" + (last < 10 ? "0" : "") + last;
  }
  function chart(id, option, onClick) {
    var node = document.getElementById(id);
    if (!node) return;
    var c = echarts.init(node);
    option.color = colors;
    option.tooltip = option.tooltip || { trigger: "axis" };
    c.setOption(option);
    if (onClick) c.on("click", onClick);
    window.addEventListener("resize", function () { c.resize(); });
  }
  function bars(id, g, stack, onClick) {
    chart(id, {
      legend: { top: 0 }, grid: { top: 40, left: 40, right: 16, bottom: 30 },
      xAxis: { type: "category", data: g.keys }, yAxis: { type: "value" },
      series: g.series.map(function (s) { return { name: s.name, type: "bar", stack: stack ? "all" : undefined, data: s.data }; })
    }, onClick);
  }
  function line(id, points, max, onClick) {
    var g = grouped(points);
    chart(id, {
      grid: { top: 20, left: 40, right: 16, bottom: 30 },
      xAxis: { type: "category", data: g.keys }, yAxis: { type: "value", max: max },
      series: g.series.map(function (s) { return { name: s.name, type: "line", smooth: true, data: s.data }; })
    }, onClick);
  }
  var kindCodes = {};
  Object.keys(kinds).forEach(function (k) { kindCodes[kinds[k]] = k; });
  bars("chart-orders", grouped(d.orders_per_day, function (k) { return kinds[k] || k; }), true, function (p) {
    var code = kindCodes[p.seriesName] || p.seriesName;
    orders(p.name, p.name, "&kind=" + encodeURIComponent(code));
  });
  var categoryCodes = {};
  d.complaint_types.forEach(function (p) { categoryCodes[p.series] = p.code; });
  bars("chart-complaints", grouped(d.complaint_types), true, function (p) {
    var code = categoryCodes[p.seriesName];
    orders(p.name + "-01", monthEnd(p.name), "&kind=complaint" + (code ? "&category=" + encodeURIComponent(code) : ""));
  });
  chart("chart-sla", {
    grid: { top: 20, left: 120, right: 16, bottom: 30 },
    xAxis: { type: "value", max: 100 }, yAxis: { type: "category", data: d.sla_compliance.map(function (p) { return p.key; }) },
    series: [{ type: "bar", data: d.sla_compliance.map(function (p) { return p.value; }) }]
  });
  line("chart-24h", d.repair_24h_trend, 100, function (p) { orders(p.name, p.name, "&kind=repair"); });
  line("chart-satisfaction", d.satisfaction_trend, 5, function (p) { orders(p.name, p.name); });
  var days = zh ? ["一", "二", "三", "四", "五", "六", "日"] : ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  var hours = []; for (var h = 0; h < 24; h++) hours.push(String(h));
  var max = 1;
  var cells = d.busy_hours.map(function (p) {
    var parts = p.key.split(":"); max = Math.max(max, p.value);
    return [Number(parts[1]), Number(parts[0]) - 1, p.value];
  });
  chart("chart-busy", {
    tooltip: { position: "top" }, grid: { top: 10, left: 40, right: 16, bottom: 60 },
    xAxis: { type: "category", data: hours }, yAxis: { type: "category", data: days },
    visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#eef4ff", "#0b5fd8"] } },
    series: [{ type: "heatmap", data: cells }]
  });
});
