// A board's Edit mode: drag a widget to move it, drag its corner to resize it (gridstack.js).
// Each change is saved at once (POST to the grid's data-layout-url); the server settles the
// layout by the same rules (boards/layout.py) and every open copy of the board redraws.
// On narrow screens the grid is one column and the Move / Resize buttons do the work instead.
(function () {
  "use strict";
  var WIDE = window.matchMedia("(min-width: 721px)");

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function redraw(grid) {
    // Back to what the server holds (a save refused, or the page out of date).
    window.htmx.ajax("GET", window.location.pathname, {
      target: "#board-grid", select: "#board-grid", swap: "outerHTML",
    });
    grid.destroy(false);
  }

  function save(element, grid, items) {
    var widgets = items.map(function (item) {
      return { id: Number(item.id), x: item.x, y: item.y, w: item.w, h: item.h };
    });
    fetch(element.dataset.layoutUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ widgets: widgets }),
    }).then(function (response) {
      if (!response.ok) { redraw(grid); }
    }, function () { redraw(grid); });
  }

  function start() {
    var element = document.querySelector("#board-grid[data-layout-url]");
    if (!element || element.gridstack || !window.GridStack || !WIDE.matches) { return; }
    element.classList.add("grid-stack");
    var grid = window.GridStack.init({
      column: 12,
      cellHeight: 112, // 7rem, as grid.css draws the board outside Edit mode
      margin: 8,
      float: false,
      animate: true,
      maxRow: 0,
      resizable: { handles: "se" },
    }, element);
    grid.on("change", function (event, items) { save(element, grid, items); });
  }

  document.addEventListener("DOMContentLoaded", start);
  // The Move / Resize buttons swap in a new grid: take it over too.
  document.addEventListener("htmx:afterSettle", start);
})();
