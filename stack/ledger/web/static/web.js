// Follows a run's status on its page without a reload: polls the run's status URL until the
// run has finished, then reveals the link to the report.
(function () {
  "use strict";
  var TERMINAL = { completed: true, failed: true };

  function follow(target) {
    var url = target.getAttribute("data-poll");
    var done = document.getElementById("run-done");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (run) {
          target.textContent = run.status;
          if (TERMINAL[run.status]) {
            if (run.status === "completed" && done) { done.hidden = false; }
            return;
          }
          window.setTimeout(tick, 250);
        })
        .catch(function () { window.setTimeout(tick, 1000); });
    }
    if (!TERMINAL[target.textContent.trim()]) { tick(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-poll]");
    if (target) { follow(target); }
  });
})();
