// The dashboard's charts, drawn from the figures the page carries in <script id="dashboard-data"
// type="application/json"> (Django's json_script). The same numbers are in the page's tables, so without
// JavaScript, or when printing, nothing is lost.
//
// The charts start only once the page is painted (#18): this file is deferred, waits for the load event and the
// first contentful paint, then fetches Chart.js (its address in data-chart-src) in an idle moment and draws one chart per
// idle moment, so that neither the first paint nor a tap waits for a long task (Lighthouse's blocking time).
(function () {
  "use strict";
  var self = document.currentScript;
  var source = document.getElementById("dashboard-data");
  if (!source || !self) { return; }
  var idle = window.requestIdleCallback
    ? function (work) { window.requestIdleCallback(work, { timeout: 2000 }); }
    : function (work) { window.setTimeout(work, 50); };

  // After the load event and the first contentful paint as the browser records it (a frame requested after load
  // may still come before that paint), or after 5 s whatever happens (a tab opened in the background paints late).
  function afterPaint(work) {
    var started = false;
    function start() { if (!started) { started = true; window.setTimeout(work, 0); } }
    function loaded() {
      window.setTimeout(start, 5000);
      var supported = window.PerformanceObserver && PerformanceObserver.supportedEntryTypes &&
        PerformanceObserver.supportedEntryTypes.indexOf("paint") >= 0;
      if (!supported) { window.requestAnimationFrame(function () { window.setTimeout(start, 0); }); return; }
      new PerformanceObserver(function (list, observer) {
        if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); start(); }
      }).observe({ type: "paint", buffered: true });
    }
    if (document.readyState === "complete") { loaded(); } else { window.addEventListener("load", loaded); }
  }

  function withChartJs(work) {
    if (typeof window.Chart !== "undefined") { work(); return; }
    var script = document.createElement("script");
    script.src = self.getAttribute("data-chart-src");
    script.onload = work;
    document.head.appendChild(script);
  }

  afterPaint(function () { idle(function () { withChartJs(drawCharts); }); });

  function drawCharts() {
    var data = JSON.parse(source.textContent);
    var Chart = window.Chart;
    var colours = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];

    // No animation: each of its frames was a long task on a phone (50-130 ms in Lighthouse's mobile run).
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;

    function draw(id, config) {
      var canvas = document.getElementById(id);
      if (!canvas) { return null; }
      var chart = new Chart(canvas, config);
      canvas.setAttribute("data-drawn", "true");
      return chart;
    }

    var c = data.consultations;
    var charts = [];
    charts.push(["chart-consultations", {
      type: "bar",
      data: {
        labels: c.labels,
        datasets: [
          { label: c.heldLabel, data: c.held, backgroundColor: colours[0] },
          { label: c.targetLabel, data: c.target, backgroundColor: colours[6] }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    }]);

    charts.push(["chart-sources", {
      type: "doughnut",
      data: {
        labels: data.sources.labels,
        datasets: [{ data: data.sources.values, backgroundColor: colours.slice(0, data.sources.values.length) }]
      },
      options: { plugins: { legend: { position: "bottom" } } }
    }]);

    charts.push(["chart-outcomes", {
      type: "bar",
      data: {
        labels: data.outcomes.labels,
        datasets: [{ label: data.outcomes.label, data: data.outcomes.values, backgroundColor: colours.slice(0, 5) }]
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    }]);

    // One chart per idle moment, each once it is on the screen: short tasks rather than a long one, and none at
    // all for a chart below the fold until the reader scrolls to it.
    var waiting = {};
    charts.forEach(function (chart) { waiting[chart[0]] = chart[1]; });
    function drawNow(id) {
      if (!waiting[id]) { return; }
      var config = waiting[id];
      delete waiting[id];
      draw(id, config);
    }
    if ("IntersectionObserver" in window) {
      var seen = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) { return; }
          seen.unobserve(entry.target);
          idle(function () { drawNow(entry.target.id); });
        });
      });
      Object.keys(waiting).forEach(function (id) {
        var canvas = document.getElementById(id);
        if (canvas) { seen.observe(canvas); }
      });
    } else {
      (function next() {
        var id = Object.keys(waiting)[0];
        if (!id) { return; }
        drawNow(id);
        idle(next);
      })();
    }

    // Charts drawn for the screen's width would overflow the printed page: draw those not drawn yet, and redraw
    // them all for the paper.
    window.addEventListener("beforeprint", function () {
      Object.keys(waiting).forEach(drawNow);
      Object.keys(Chart.instances).forEach(function (key) { Chart.instances[key].resize(); });
    });
  }
})();
