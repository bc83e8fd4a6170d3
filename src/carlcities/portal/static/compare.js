/* Compare page: the city/indicator form and the scatter of two indicators across all cities. */
"use strict";
(function () {
  const d = carl.data("compare-data");
  const form = document.getElementById("compare-form");
  form.addEventListener("submit", e => {
    const cities = Array.from(form.querySelectorAll("input[name=city]:checked")).map(x => x.value);
    const inds = Array.from(document.getElementById("cmp-inds").selectedOptions).map(o => o.value);
    document.getElementById("cities-field").value = cities.join(",");
    document.getElementById("ind-field").value = inds.join(",");
    form.querySelectorAll("input[name=city]").forEach(x => { x.disabled = true; });
    document.getElementById("cmp-inds").disabled = true;
  });
  document.getElementById("cmp-search").addEventListener("input", e => {
    const q = e.target.value.trim().toLowerCase();
    Array.from(document.getElementById("cmp-inds").options).forEach(o => {
      o.hidden = q && !(o.textContent.toLowerCase().includes(q) || o.value.includes(q));
    });
  });
  const xs = document.getElementById("sc-x"), ys = document.getElementById("sc-y");
  let chart = null;
  function get(id) { return fetch("/api/v1/values?indicator=" + encodeURIComponent(id)).then(r => r.json()); }
  function draw() {
    Promise.all([get(xs.value), get(ys.value)]).then(([a, b]) => {
      const pts = d.cities.filter(c => a.values[c] != null && b.values[c] != null)
        .map(c => ({x: a.values[c], y: b.values[c], city: c}));
      const chosen = new Set(d.chosen);
      if (chart) chart.destroy();
      chart = new Chart(document.getElementById("scatter"), {type: "scatter",
        data: {datasets: [{data: pts, pointRadius: pts.map(p => chosen.has(p.city) ? 7 : 4),
          backgroundColor: pts.map(p => chosen.has(p.city) ? "#d62728" : "#1f77b4")}]},
        options: {animation: false, aspectRatio: 2.4, plugins: {legend: {display: false},
          tooltip: {callbacks: {label: c => d.names[c.raw.city] + ": " + carl.fmt(c.raw.x) + "; " + carl.fmt(c.raw.y)}}},
          onClick: (e, els) => { if (els.length) location = "/city/" + pts[els[0].index].city; },
          scales: {x: {title: {display: true, text: xs.selectedOptions[0].textContent}},
                   y: {title: {display: true, text: ys.selectedOptions[0].textContent}}}}});
      document.getElementById("scatter").dataset.points = pts.length;
    });
  }
  xs.addEventListener("change", draw); ys.addEventListener("change", draw);
  draw();
})();
