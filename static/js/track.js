/* Order page: asks the server for the order's progress and updates the timeline in place.
   Polls every few seconds while something may change, less often when the tab is hidden,
   and stops once the order is settled. Without this script the page works by reloading. */
(function () {
  "use strict";
  var live = document.getElementById("order-live");
  if (!live) { return; }
  var url = live.getAttribute("data-status-url");
  var version = live.getAttribute("data-version");
  var actions = live.getAttribute("data-actions");
  var delay = 4000;
  var timer = null;

  function schedule() {
    clearTimeout(timer);
    if (live.getAttribute("data-settled") === "true") { return; }
    timer = setTimeout(poll, document.hidden ? 30000 : delay);
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200) {
        var body = JSON.parse(request.responseText);
        if (body.actions.join(",") !== actions) { window.location.reload(); return; }
        if (body.version !== version) {
          version = body.version;
          live.innerHTML = body.html;
          live.setAttribute("data-version", version);
          live.setAttribute("data-settled", body.settled ? "true" : "false");
          delay = 4000;
        } else {
          delay = Math.min(delay * 1.5, 20000);
        }
      } else {
        delay = Math.min(delay * 2, 60000);
      }
      schedule();
    };
    request.onerror = function () { delay = Math.min(delay * 2, 60000); schedule(); };
    request.send();
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { delay = 4000; schedule(); } });
  schedule();
})();
