// The inspector of a board in Edit mode: + Add a Widget and each widget's Edit load their panel
// into #inspector-body with htmx (boards/inspector.html). This file shows the panel, moves focus
// into it, and closes it (Escape, Close, Cancel, or a save) with focus back on what opened it.
// Without JavaScript none of this runs and the links open their pages.
(function () {
  "use strict";
  var openerId = "";

  function panel() { return document.getElementById("inspector"); }
  function body() { return document.getElementById("inspector-body"); }

  function isOpen() {
    var inspector = panel();
    return Boolean(inspector && !inspector.hidden);
  }

  function focusInto(inspector) {
    // The error summary autofocuses (forms/error_summary.html); otherwise the panel's heading.
    var target = inspector.querySelector("[autofocus]") || inspector.querySelector("#inspector-heading");
    if (target) { target.focus(); }
  }

  function show(event) {
    var inspector = panel();
    // Only swaps into the panel itself (not its preview, nor the grid a save redraws).
    if (!inspector || event.target !== body()) { return; }
    var opener = event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt;
    // Remember the control outside the panel that opened it; steps inside the panel keep it.
    if (opener && !inspector.contains(opener) && opener.id) { openerId = opener.id; }
    inspector.hidden = false;
    inspector.scrollTop = 0; // each step starts at its heading, not where the last one was scrolled
    document.body.classList.add("inspector-open");
    focusInto(inspector);
  }

  function close(focusId) {
    var inspector = panel();
    if (!inspector) { return; }
    inspector.hidden = true;
    body().innerHTML = "";
    document.body.classList.remove("inspector-open");
    // By id: a grid redrawn meanwhile (a save, a Move button) replaced the element itself.
    var back = document.getElementById(focusId || openerId) ||
      document.getElementById("board-add-widget");
    openerId = "";
    if (back) { back.focus(); }
  }

  function saved(event) {
    var detail = event.detail || {};
    var status = document.getElementById("inspector-status");
    if (status) { status.textContent = detail.message || ""; }
    var card = document.getElementById("widget-" + detail.widget);
    if (card) { card.classList.add("just-changed"); }
    close("widget-" + detail.widget + "-edit");
  }

  document.addEventListener("htmx:afterSettle", show);
  document.addEventListener("inspector-saved", saved);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-inspector-close]")) { close(); }
  });
  document.addEventListener("keydown", function (event) {
    var inspector = panel();
    if (event.key === "Escape" && isOpen() && inspector.contains(document.activeElement)) {
      event.preventDefault();
      close();
    }
  });
})();
