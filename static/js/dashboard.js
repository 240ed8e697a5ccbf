// The dashboard's charts, drawn from the figures the page carries in <script id="dashboard-data"
// type="application/json"> (Django's json_script). The same numbers are in the page's tables, so without
// JavaScript, or when printing, nothing is lost.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var colours = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];

  Chart.defaults.animation = reduceMotion ? false : Chart.defaults.animation;
  Chart.defaults.maintainAspectRatio = false;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    var chart = new Chart(canvas, config);
    canvas.setAttribute("data-drawn", "true");
    return chart;
  }

  var c = data.consultations;
  draw("chart-consultations", {
    type: "bar",
    data: {
      labels: c.labels,
      datasets: [
        { label: c.heldLabel, data: c.held, backgroundColor: colours[0] },
        { label: c.targetLabel, data: c.target, backgroundColor: colours[6] }
      ]
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  draw("chart-sources", {
    type: "doughnut",
    data: {
      labels: data.sources.labels,
      datasets: [{ data: data.sources.values, backgroundColor: colours.slice(0, data.sources.values.length) }]
    },
    options: { plugins: { legend: { position: "bottom" } } }
  });

  draw("chart-outcomes", {
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
  });

  // Charts drawn for the screen's width would overflow the printed page: redraw them for the paper.
  window.addEventListener("beforeprint", function () {
    Object.keys(Chart.instances).forEach(function (key) { Chart.instances[key].resize(); });
  });
})();
