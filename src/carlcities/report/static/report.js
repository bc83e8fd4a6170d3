/* carlcities report: sortable tables (no dependencies, works from file://).
   A header cell with a <button class="sort"> sorts the first tbody by the data-sort attribute
   of that column's cells: numbers numerically, text by locale; empty values always last.
   The first click sorts numbers from high to low and text from A to Z; the next click reverses. */
(function () {
  "use strict";
  function sortBy(table, th, idx) {
    var type = th.getAttribute("data-type") || "num";
    var cur = th.getAttribute("aria-sort");
    var asc = cur ? cur !== "ascending" : type !== "num";
    var ths = table.tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) { ths[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = a.cells[idx] ? a.cells[idx].getAttribute("data-sort") : null;
      var y = b.cells[idx] ? b.cells[idx].getAttribute("data-sort") : null;
      var xe = x === null || x === "", ye = y === null || y === "";
      if (xe && ye) { return 0; }
      if (xe) { return 1; }
      if (ye) { return -1; }
      var r = type === "num" ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, ["en", "ru"]);
      return asc ? r : -r;
    });
    for (var j = 0; j < rows.length; j++) { tbody.appendChild(rows[j]); }
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, idx) {
      var btn = th.querySelector("button.sort");
      if (btn) { btn.addEventListener("click", function () { sortBy(table, th, idx); }); }
    });
  });
})();
