// An open board's "Live" indicator. (What just changed is highlighted by the server's markup:
// the stream draws changed widgets with the just-changed class, whose animation runs once.)
// The board's stream (htmx's SSE extension, boards/views/live.py) drives it: open means up
// to date; an error means the server cannot be reached, and the extension keeps retrying.
(function () {
  "use strict";
  var WORDS = {
    live: "Live",
    offline: "Not up to date — reconnecting…",
    gone: "No longer available",
  };

  function show(state) {
    var status = document.getElementById("board-live-status");
    if (!status) { return; }
    status.hidden = false;
    status.dataset.state = state;
    status.textContent = WORDS[state];
  }

  // The stream redraws widgets out of band, and htmx keeps the focus only for the swap a request
  // made: when a redrawn widget held the focus (the button just pressed, say), put it back on the
  // element with the same id, so a keyboard or screen-reader user is not dropped to the page.
  // A click's answer swapped in a moment ago takes its autofocus only as htmx settles it (its
  // nodes carry htmx-added until then): a redraw arriving first keeps that focus too.
  var focusedId = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail && event.detail.target;
    focusedId = null;
    if (!target) { return; }
    if (active && active.id && target.contains(active)) {
      focusedId = active.id;
      return;
    }
    var pending = target.querySelector(".htmx-added[autofocus], .htmx-added [autofocus]");
    if (pending && pending.id && (!active || active === document.body)) { focusedId = pending.id; }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!focusedId) { return; }
    var again = document.getElementById(focusedId);
    focusedId = null;
    if (again && (document.activeElement === document.body || !document.activeElement)) {
      again.focus({ preventScroll: true });
    }
  });

  document.addEventListener("htmx:sseOpen", function () { show("live"); });
  document.addEventListener("htmx:sseError", function () { show("offline"); });
  document.addEventListener("htmx:sseClose", function (event) {
    if (event.detail && event.detail.type === "message") { show("gone"); }
  });
})();
