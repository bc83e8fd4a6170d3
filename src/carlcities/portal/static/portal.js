/* carlcities portal: shared helpers (number format, sortable and filterable tables). */
"use strict";
window.carl = (function () {
  const langData = JSON.parse(document.getElementById("lang-data").textContent);
  const lang = langData.lang;
  // as the server's fmt_number: about three significant figures, thin spaces between
  // thousands, a decimal comma on Russian pages, a real minus sign
  function fmt(v) {
    if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
    const x = Number(v), a = Math.abs(x);
    let s;
    if (a >= 1000) s = Math.round(x).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    else if (a >= 100) s = x.toFixed(0);
    else if (a >= 10) s = x.toFixed(1);
    else if (a >= 0.1) s = x.toFixed(2);
    else if (a === 0) s = "0";
    else s = x.toPrecision(3);
    s = s.replace("-", "\u2212");
    return lang === "ru" ? s.replace(".", ",") : s;
  }
  function data(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function sortable(table) {
    const ths = table.querySelectorAll("th[data-sort]");
    ths.forEach((th, col) => {
      th.tabIndex = 0;
      th.classList.add("sort");
      const go = () => {
        const asc = th.getAttribute("aria-sort") !== "ascending";
        ths.forEach(o => o.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const num = th.dataset.sort === "num";
        const key = r => {
          const c = r.cells[col];
          if (num) { const v = parseFloat(c.dataset.v); return Number.isNaN(v) ? null : v; }
          return c.textContent.trim().toLowerCase();
        };
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          if (x === null) return 1; if (y === null) return -1;
          const r = num ? x - y : x.localeCompare(y, lang);
          return asc ? r : -r;
        });
        rows.forEach(r => body.appendChild(r));
      };
      th.addEventListener("click", go);
      th.addEventListener("keydown", e => { if (e.key === "Enter") go(); });
    });
  }
  document.querySelectorAll("table.sortable").forEach(sortable);
  const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89",
                   "#35b779", "#6ece58", "#b5de2b", "#fde725"];
  // MapLibre's own words (zoom buttons, scale bar) in the page's language
  const mapLocale = lang === "ru" ? {
    "NavigationControl.ZoomIn": "Приблизить", "NavigationControl.ZoomOut": "Отдалить",
    "NavigationControl.ResetBearing": "Сбросить поворот",
    "ScaleControl.Feet": "фт", "ScaleControl.Meters": "м", "ScaleControl.Kilometers": "км",
    "ScaleControl.Miles": "миль", "ScaleControl.NauticalMiles": "мор. миль"} : {};
  return {lang, fmt, data, sortable, VIRIDIS, mapLocale};
})();
