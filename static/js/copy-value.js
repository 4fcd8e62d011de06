// A "Copy" button next to a value shown once: copies the value of the field its data-copy names
// and says so. Without JavaScript (or clipboard access) the field is still there to select;
// the button then says how.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    if (!field) return;
    function say(words) { if (status) status.textContent = words; }
    field.select();
    if (!navigator.clipboard) { say("Press Ctrl+C (⌘C) to copy the selected key."); return; }
    navigator.clipboard.writeText(field.value).then(
      function () { say("Copied to the clipboard."); },
      function () { say("Press Ctrl+C (⌘C) to copy the selected key."); }
    );
  });
  document.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
    button.hidden = false;  // only offered where this script runs
  });
})();
