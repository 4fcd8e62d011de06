// An Action widget's inline confirmation ("Send this request now?"): Escape cancels it, as the
// Cancel button does, and focus returns to the Action button (htmx keeps focus by id).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var form = event.target.closest && event.target.closest(".confirm-inline");
    var cancel = form && form.querySelector("[data-testid='confirm-cancel']");
    if (!cancel) { return; }
    event.preventDefault();
    cancel.focus();
    cancel.click();
  });
})();
