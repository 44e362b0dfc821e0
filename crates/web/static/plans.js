// Plans: follows comparisons that are waiting or running, and shows their progress; reloads
// the page when one finishes. Without scripts, the pages have a Refresh link.
(function () {
  "use strict";
  var bars = document.querySelectorAll("[data-run-progress]");
  if (bars.length === 0) { return; }
  var words = { queued: "Waiting to start", running: "Running", done: "Finished", failed: "Failed" };
  function look() {
    fetch("/api/plans/runs", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        var finished = false;
        body.runs.forEach(function (run) {
          var bar = document.querySelector('[data-run-progress="' + run.id + '"]');
          var status = document.querySelector('[data-run="' + run.id + '"]');
          if (!bar) { return; }
          if (run.status === "done" || run.status === "failed") { finished = true; return; }
          bar.max = run.total;
          bar.value = run.done;
          if (status) { status.textContent = words[run.status] + ": " + run.done + " of " + run.total + " runs"; }
        });
        if (finished) { window.location.reload(); } else { window.setTimeout(look, 1000); }
      })
      .catch(function () { window.setTimeout(look, 5000); });
  }
  window.setTimeout(look, 1000);
})();
