/* Region page: the map of the cities coloured by an indicator, the searchable indicator list,
   and the filterable table. Everything is drawn from this server: no tiles, no glyphs. */
"use strict";
(function () {
  const d = carl.data("region-data");
  const byId = Object.fromEntries(d.points.map(p => [p.city_id, p]));
  let values = d.values;
  const map = new maplibregl.Map({
    container: "region-map", attributionControl: false, locale: carl.mapLocale,
    style: {version: 8, sources: {}, layers: [
      {id: "bg", type: "background", paint: {"background-color": "#e8eef2"}}]},
    bounds: [[50, 35], [88, 54]], fitBoundsOptions: {padding: 20},
  });
  map.addControl(new maplibregl.NavigationControl({showCompass: false}));
  function geo() {
    return {type: "FeatureCollection", features: d.points.filter(p => p.lon !== null).map(p => ({
      type: "Feature", geometry: {type: "Point", coordinates: [p.lon, p.lat]},
      properties: {city_id: p.city_id, name: p.name,
                   value: values[p.city_id] === undefined ? null : values[p.city_id]}}))};
  }
  function range() {
    const v = Object.values(values).filter(x => x !== null && !Number.isNaN(x));
    if (!v.length) return [0, 1];
    const lo = Math.min(...v), hi = Math.max(...v);
    return [lo, hi > lo ? hi : lo + 1];
  }
  function colour() {
    const [lo, hi] = range();
    const stops = [];
    carl.VIRIDIS.forEach((c, i) => { stops.push(lo + (hi - lo) * i / 9, c); });
    return ["case", ["==", ["get", "value"], null], "#9a9a9a",
            ["interpolate", ["linear"], ["get", "value"], ...stops]];
  }
  function legend() {
    const [lo, hi] = range();
    const el = document.getElementById("region-legend");
    const opt = document.querySelector("#ind-select option:checked");
    el.innerHTML = "";
    const t = document.createElement("div"); t.className = "legend-title";
    t.textContent = opt ? opt.textContent : ""; el.appendChild(t);
    const bar = document.createElement("div"); bar.className = "ramp";
    bar.style.background = "linear-gradient(to right," + carl.VIRIDIS.join(",") + ")";
    el.appendChild(bar);
    const lab = document.createElement("div"); lab.className = "ramp-labels";
    const a = document.createElement("span"); a.textContent = carl.fmt(lo);
    const b = document.createElement("span"); b.textContent = carl.fmt(hi);
    lab.append(a, b); el.appendChild(lab);
    const n = document.createElement("div"); n.className = "legend-nodata";
    n.innerHTML = '<span class="swatch" style="background:#9a9a9a"></span>';
    n.append(d.no_value); el.appendChild(n);
  }
  map.on("load", () => {
    fetch("/api/v1/region/countries.geojson").then(r => {
      if (!r.ok) { document.getElementById("countries-note").hidden = false; return null; }
      return r.json();
    }).then(g => {
      if (!g) return;
      document.getElementById("countries-source").hidden = false;
      map.addSource("countries", {type: "geojson", data: g});
      map.addLayer({id: "country-fill", type: "fill", source: "countries",
                    paint: {"fill-color": ["case", ["get", "study"], "#f6f2e6", "#e4e2dc"]}},
                   "cities");
      map.addLayer({id: "country-line", type: "line", source: "countries",
                    paint: {"line-color": "#8c8c8c", "line-width": 0.8}}, "cities");
      [["lakes", "fill", {"fill-color": "#b9d3e8"}],
       ["rivers", "line", {"line-color": "#8fb8d8", "line-width": 0.8}]].forEach(([name, type, paint]) => {
        fetch("/api/v1/region/" + name + ".geojson").then(r => r.ok ? r.json() : null).then(h => {
          if (!h) return;
          map.addSource(name, {type: "geojson", data: h});
          map.addLayer({id: name, type: type, source: name, paint: paint}, "cities");
        });
      });
    });
    map.addSource("cities", {type: "geojson", data: geo()});
    map.addLayer({id: "cities", type: "circle", source: "cities", paint: {
      "circle-radius": 7, "circle-color": colour(), "circle-stroke-color": "#fff",
      "circle-stroke-width": 1.5}});
    d.points.forEach(p => {
      if (p.lon === null) return;
      const el = document.createElement("a");
      el.className = "map-label"; el.href = "/city/" + p.city_id; el.textContent = p.name;
      new maplibregl.Marker({element: el, anchor: "left", offset: [9, 0]})
        .setLngLat([p.lon, p.lat]).addTo(map);
    });
    map.on("click", "cities", e => { window.location = "/city/" + e.features[0].properties.city_id; });
    map.on("mouseenter", "cities", () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", "cities", () => { map.getCanvas().style.cursor = ""; });
    legend();
    document.getElementById("region-map").dataset.ready = "1";
  });
  const sel = document.getElementById("ind-select");
  function choose(id) {
    fetch("/api/v1/values?indicator=" + encodeURIComponent(id)).then(r => r.json()).then(j => {
      values = j.values;
      if (map.getSource("cities")) {
        map.getSource("cities").setData(geo());
        map.setPaintProperty("cities", "circle-color", colour());
      }
      legend();
      document.querySelectorAll("#city-table tbody tr").forEach(tr => {
        const v = values[tr.dataset.city];
        const td = tr.querySelector(".ind-val");
        td.dataset.v = v === null || v === undefined ? "" : v;
        td.textContent = carl.fmt(v);
      });
      document.getElementById("region-map").dataset.indicator = id;
    });
  }
  sel.addEventListener("change", () => choose(sel.value));
  document.getElementById("ind-search").addEventListener("input", e => {
    const q = e.target.value.trim().toLowerCase();
    Array.from(sel.options).forEach(o => {
      o.hidden = q && !(o.textContent.toLowerCase().includes(q) || o.value.includes(q));
    });
  });
  // the table's filters
  const fName = document.getElementById("f-name"), fCountry = document.getElementById("f-country");
  const fSize = document.getElementById("f-size"), fType = document.getElementById("f-type");
  function filter() {
    const q = fName.value.trim().toLowerCase();
    let n = 0;
    document.querySelectorAll("#city-table tbody tr").forEach(tr => {
      const ok = (!q || tr.cells[0].textContent.toLowerCase().includes(q))
        && (!fCountry.value || tr.dataset.country === fCountry.value)
        && (!fSize.value || tr.dataset.size === fSize.value)
        && (!fType || !fType.value || tr.dataset.type === fType.value);
      tr.hidden = !ok; if (ok) n++;
    });
    document.getElementById("f-count").textContent = n + " / " + d.points.length;
  }
  [fName, fCountry, fSize, fType].forEach(el => el && el.addEventListener("input", filter));
  filter();
})();
