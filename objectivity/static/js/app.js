// Small progressive enhancements: job progress polling, print buttons and «Back» links. No dependencies.
(function () {
  "use strict";
  function pollJob(panel) {
    var url = panel.getAttribute("data-status-url");
    var fill = panel.querySelector(".progress-fill");
    var bar = panel.querySelector(".progress");
    var pct = panel.querySelector("[data-test=job-progress]");
    var msg = panel.querySelector("[data-test=job-message]");
    function tick() {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          fill.style.width = s.progress + "%";
          bar.setAttribute("aria-valuenow", s.progress);
          pct.textContent = s.progress;
          if (s.message) { msg.textContent = s.message; }
          if (s.finished) { window.location.reload(); } else { setTimeout(tick, 700); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 500);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("job");
    if (panel && panel.getAttribute("data-finished") === "0") { pollJob(panel); }
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    // «Back» on the error pages: the previous page when there is one, else the link's own address.
    document.querySelectorAll("[data-back]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
      });
    });
  });
})();
