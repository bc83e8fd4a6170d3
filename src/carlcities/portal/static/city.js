/* City page: the map (raster layers as tiles, epoch slider, outlines, OSM basemap from this
   server) and the charts. */
"use strict";
(function () {
  const d = carl.data("city-data");
  const city = d.city_id;
  const map = new maplibregl.Map({
    container: "city-map", attributionControl: false, locale: carl.mapLocale, center: [d.lon, d.lat], zoom: 11,
    style: {version: 8, sources: {}, layers: [
      {id: "bg", type: "background", paint: {"background-color": "#f3f1ea"}}]},
  });
  map.addControl(new maplibregl.NavigationControl({showCompass: false}));
  map.addControl(new maplibregl.ScaleControl({unit: "metric"}));
  let groups = [], current = null, extentEpochs = [];
  const sel = document.getElementById("layer-select");
  const slider = document.getElementById("epoch-slider");
  const opacity = document.getElementById("opacity");
  const markers = [];
  const vec = name => "/api/v1/cities/" + city + "/vectors/" + name + ".geojson";

  function legend(g) {
    const el = document.getElementById("legend");
    el.innerHTML = "";
    if (!g) return;
    const t = document.createElement("div"); t.className = "legend-title";
    t.textContent = g.title + (g.unit_label ? ", " + g.unit_label : ""); el.appendChild(t);
    if (g.classes.length) {
      g.classes.forEach(c => {
        const row = document.createElement("div"); row.className = "legend-class";
        const sw = document.createElement("span"); sw.className = "swatch";
        sw.style.background = c.colour; row.append(sw, c.label); el.appendChild(row);
      });
    } else if (g.stops) {
      const bar = document.createElement("div"); bar.className = "ramp";
      bar.style.background = "linear-gradient(to right," + g.stops.join(",") + ")";
      el.appendChild(bar);
      const lab = document.createElement("div"); lab.className = "ramp-labels";
      const a = document.createElement("span"); a.textContent = carl.fmt(g.range[0]);
      const b = document.createElement("span"); b.textContent = carl.fmt(g.range[1]);
      lab.append(a, b); el.appendChild(lab);
    }
  }
  function showRaster() {
    if (map.getLayer("raster")) map.removeLayer("raster");
    if (map.getSource("raster")) map.removeSource("raster");
    const g = current;
    const box = document.getElementById("epoch-box");
    if (!g) { legend(null); box.hidden = true; filterExtents(null); return; }
    const lay = g.layers[Number(slider.value)] || g.layers[g.layers.length - 1];
    map.addSource("raster", {type: "raster", tileSize: 256,
      tiles: [location.origin + "/tiles/" + city + "/" + lay.name + "/{z}/{x}/{y}.png"]});
    map.addLayer({id: "raster", type: "raster", source: "raster",
                  paint: {"raster-opacity": opacity.value / 100, "raster-resampling": "nearest"}},
                 map.getLayer("roads") ? "roads" : undefined);
    document.getElementById("epoch-out").textContent = lay.epoch || "";
    box.hidden = g.layers.length < 2;
    legend(g);
    filterExtents(lay.epoch);
    document.getElementById("city-map").dataset.layer = lay.name;
  }
  function filterExtents(epoch) {
    if (!map.getLayer("extents") || !extentEpochs.length) return;
    let e = extentEpochs[extentEpochs.length - 1];
    if (epoch) { const le = extentEpochs.filter(x => x <= epoch); if (le.length) e = le[le.length - 1]; }
    map.setFilter("extents", ["==", ["get", "epoch"], e]);
  }
  sel.addEventListener("change", () => {
    current = groups.find(g => g.family === sel.value) || null;
    if (current) { slider.max = current.layers.length - 1; slider.value = current.layers.length - 1; }
    showRaster();
  });
  slider.addEventListener("input", showRaster);
  opacity.addEventListener("input", () => {
    if (map.getLayer("raster")) map.setPaintProperty("raster", "raster-opacity", opacity.value / 100);
  });
  const overlayLayers = {extents: ["extents"], districts: ["districts"], streets: ["roads"],
                         water: ["water", "rivers"], green: ["green"], places: []};
  document.querySelectorAll("[data-overlay]").forEach(cb => cb.addEventListener("change", () => {
    const on = cb.checked ? "visible" : "none";
    (overlayLayers[cb.dataset.overlay] || []).forEach(id => {
      if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on);
    });
    if (cb.dataset.overlay === "places") markers.forEach(m => { m.getElement().hidden = !cb.checked; });
  }));

  map.on("load", () => {
    map.addSource("basemap", {type: "geojson", data: vec("basemap")});
    map.addLayer({id: "green", type: "fill", source: "basemap",
                  filter: ["==", ["get", "kind"], "green"], paint: {"fill-color": "#cfe6bf"}});
    map.addLayer({id: "water", type: "fill", source: "basemap",
                  filter: ["==", ["get", "kind"], "water"], paint: {"fill-color": "#aecde6"}});
    map.addLayer({id: "rivers", type: "line", source: "basemap",
                  filter: ["==", ["get", "kind"], "river"],
                  paint: {"line-color": "#7fb0d6", "line-width": ["+", 0.5, ["get", "rank"]]}});
    map.addLayer({id: "roads", type: "line", source: "basemap",
                  filter: ["==", ["get", "kind"], "road"],
                  paint: {"line-color": "#8a8174", "line-opacity": 0.8,
                          "line-width": ["+", 0.3, ["*", 0.6, ["get", "rank"]]]}});
    map.addSource("districts", {type: "geojson", data: vec("districts")});
    map.addLayer({id: "districts", type: "line", source: "districts",
                  layout: {visibility: "none"},
                  paint: {"line-color": "#5b3f8c", "line-width": 1.2, "line-dasharray": [3, 2]}});
    fetch(vec("extents")).then(r => r.json()).then(g => {
      extentEpochs = [...new Set(g.features.map(f => f.properties.epoch))].sort();
      map.addSource("extents", {type: "geojson", data: g});
      map.addLayer({id: "extents", type: "line", source: "extents",
                    paint: {"line-color": "#1d232a", "line-width": 1.6}});
      filterExtents(null);
      const b = new maplibregl.LngLatBounds();
      g.features.forEach(f => {
        const walk = c => typeof c[0] === "number" ? b.extend(c) : c.forEach(walk);
        walk(f.geometry.coordinates);
      });
      if (!b.isEmpty()) map.fitBounds(b, {padding: 20, animate: false});
    });
    fetch(vec("basemap")).then(r => r.json()).then(g => {
      g.features.filter(f => f.properties.kind === "place" && f.properties.rank >= 2)
        .forEach(f => {
          const el = document.createElement("span"); el.className = "map-label place";
          el.textContent = d.lang === "ru" ? f.properties.name_ru : f.properties.name_en;
          markers.push(new maplibregl.Marker({element: el}).setLngLat(f.geometry.coordinates).addTo(map));
        });
    });
    fetch("/api/v1/cities/" + city + "/layers?lang=" + d.lang).then(r => r.json()).then(gs => {
      groups = gs;
      gs.forEach(g => {
        const o = document.createElement("option"); o.value = g.family; o.textContent = g.title;
        sel.appendChild(o);
      });
      const first = gs.find(g => g.family === "atlas_class") || gs[0];
      if (first) { sel.value = first.family; sel.dispatchEvent(new Event("change")); }
      document.getElementById("city-map").dataset.ready = "1";
    });
  });

  // charts
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];
  const L = d.labels;
  function lineChart(id, series, xTitle, yTitle, logX) {
    const el = document.getElementById(id);
    if (!el || !series.length) return null;
    return new Chart(el, {type: "scatter", data: {datasets: series.map((s, i) => ({
      label: s.label, data: s.points.map(p => ({x: p[0], y: p[1]})), showLine: true,
      borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
      pointRadius: 2}))},
      options: {animation: false, aspectRatio: 1.5, locale: d.lang === "ru" ? "ru-RU" : "en-GB",
        scales: {x: {type: logX ? "logarithmic" : "linear", title: {display: true, text: xTitle},
                     ticks: logX ? {} : {callback: v => String(v)}},
                 y: {title: {display: true, text: yTitle}}}}});
  }
  const ch = d.charts;
  if (ch.risk.length) lineChart("chart-risk", ch.risk, L.return_period, L.loss + ", " + (ch.risk[0].unit_label || ch.risk[0].unit), true);
  if (ch.ghg.length) lineChart("chart-ghg", ch.ghg, L.year, ch.ghg[0].unit_label || ch.ghg[0].unit, false);
  const gsel = document.getElementById("growth-ind");
  let growthChart = null;
  function growth() {
    const g = ch.growth[gsel.value];
    if (growthChart) growthChart.destroy();
    growthChart = lineChart("chart-growth", g.series, L.year, g.unit_label || g.unit, false);
  }
  if (gsel) { gsel.addEventListener("change", growth); growth(); }
})();
