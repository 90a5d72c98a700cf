/* A form sends once: its button is disabled after the first click (the server is idempotent too). */
(function () {
  "use strict";
  document.querySelectorAll("button[data-once]").forEach(function (button) {
    var form = button.form;
    if (!form) { return; }
    form.addEventListener("submit", function () {
      if (form.getAttribute("data-sent")) { return; }
      form.setAttribute("data-sent", "1");
      // disabled after the event, so that the button's own value is still sent
      setTimeout(function () {
        button.disabled = true;
        button.textContent = button.getAttribute("data-once");
      }, 0);
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
