// The widget form, with JavaScript: a KPI's column list shows only the chosen dataset's columns,
// and an Action's confirmation message shows only while "Ask for confirmation" is ticked.
// Without JavaScript every choice stays listed (grouped by dataset) and the server checks them.
(function () {
  "use strict";

  function followDataset() {
    var dataset = document.getElementById("id_dataset");
    var column = document.getElementById("id_kpi_column");
    if (!dataset || !column) { return; }
    var chosen = dataset.selectedIndex > 0 ? dataset.options[dataset.selectedIndex].text : "";
    Array.prototype.forEach.call(column.querySelectorAll("optgroup"), function (group) {
      var shown = group.label === chosen;
      group.hidden = !shown;
      group.disabled = !shown;
    });
    var selected = column.options[column.selectedIndex];
    if (selected && selected.parentElement.tagName === "OPTGROUP" && selected.parentElement.disabled) {
      column.value = "";
    }
  }

  function followConfirmation() {
    var ask = document.getElementById("id_confirm_before_sending");
    var message = document.getElementById("field-confirmation_message");
    if (!ask || !message) { return; }
    message.hidden = !ask.checked;
  }

  document.addEventListener("DOMContentLoaded", function () {
    followDataset();
    followConfirmation();
  });
  // A form htmx swapped in (the board's inspector, static/js/board-inspector.js) is set up too.
  document.addEventListener("htmx:load", function () {
    followDataset();
    followConfirmation();
  });
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_dataset") { followDataset(); }
    if (event.target.id === "id_confirm_before_sending") { followConfirmation(); }
  });
})();
