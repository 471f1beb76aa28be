// A background job's page: poll its JSON twin every second until the job ends, and move the
// progress bar, the state and (for an export) the download link with it. No library.
(function () {
  "use strict";
  var card = document.getElementById("job");
  if (!card) return;
  var url = card.getAttribute("data-poll");
  var bar = document.getElementById("job-progress");
  function text(id, value) { document.getElementById(id).textContent = value || ""; }
  function show(job) {
    text("job-state", job.state);
    text("job-detail", job.detail);
    var hint = document.getElementById("job-hint");
    if (hint && job.state !== "queued") hint.hidden = true;
    if (job.state === "done") {
      bar.value = 1;
    } else if (job.progress > 0) {
      bar.value = job.progress;
    } else {
      bar.removeAttribute("value"); // indeterminate: how much is left is not known yet
    }
    text("job-percent", job.state === "done" ? "100%" : job.progress > 0 ? Math.round(job.progress * 100) + "%" : "");
    var err = document.getElementById("job-error");
    err.hidden = !job.error;
    text("job-error", job.error);
    var r = job.result;
    if (job.state === "done" && r) {
      if (job.kind === "import") {
        text("job-result", r.articles + " article(s), " + r.sentences + " units imported" +
             (r.skipped ? ", " + r.skipped + " skipped (in the project already)." : "."));
      } else if (job.kind === "export") {
        text("job-result", r.records + " records." + (r.empty_reason ? " " + r.empty_reason : ""));
      }
    }
    var link = document.getElementById("job-download");
    if (job.download) { link.href = job.download; link.hidden = false; }
    return job.state === "queued" || job.state === "running";
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (show(data.job)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 5000); }); // a restart of the server: try again
  }
  var state = document.getElementById("job-state").textContent;
  if (state === "queued" || state === "running") setTimeout(poll, 1000);
})();
