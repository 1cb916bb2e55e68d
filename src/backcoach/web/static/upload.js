// The upload page: send the video as the request body, then poll the analysis job.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);

  function fail(message) {
    $("upload-error").textContent = message;
    $("upload-error").hidden = false;
    $("upload-status").hidden = true;
    $("upload-button").disabled = false;
  }

  function stage(text, fraction) {
    $("upload-status").hidden = false;
    $("upload-stage").textContent = text;
    $("upload-progress").value = fraction;
  }

  // The same report as `backcoach analyze`: title, reps and holds tables, notes, warnings.
  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function table(caption, columns, rows) {
    const node = element("table", undefined, "stack");
    node.appendChild(element("caption", caption));
    const head = node.createTHead().insertRow();
    for (const column of columns) {
      const th = element("th", column);
      th.scope = "col";
      head.appendChild(th);
    }
    const body = node.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      row.forEach((cell, index) => {
        const td = tr.insertCell();
        td.textContent = cell;
        td.dataset.label = columns[index];
      });
    }
    return node;
  }

  const SIDES = { left: "left", right: "right", both: "both sides" };

  function summary(report) {
    const box = $("report-summary");
    const s = (value) => `${Number(value).toFixed(1)} s`;
    box.replaceChildren();
    const name = report.exercise_name || "The exercise";
    let title = `${name}: ${Number(report.duration).toFixed(0)} seconds of video`;
    if (report.recognized_name && report.confidence !== null && report.confidence !== undefined) {
      title = `${report.recognized_name} (recognised from the movement, ${Math.round(report.confidence * 100)}% sure): ` +
        `${Number(report.duration).toFixed(0)} seconds of video`;
    }
    box.appendChild(element("p", title, "dose"));
    if (report.reps.length) {
      box.appendChild(table("Repetitions", ["Repetition", "From", "To", "Took", "Side", "Sure", "Form notes"],
        report.reps.map((r, i) => [i + 1, s(r.start), s(r.end), s(r.duration), SIDES[r.side] || "",
          r.confidence === undefined || r.confidence >= 0.6 ? "yes" : "not sure",
          (r.warning_messages || []).join(" ") || "none"])));
    }
    if (report.holds.length) {
      box.appendChild(table("Holds", ["Hold", "From", "To", "Held for", "Side"],
        report.holds.map((h, i) => [i + 1, s(h.start), s(h.end), s(h.seconds), SIDES[h.side] || ""])));
    }
    for (const note of report.notes || []) box.appendChild(element("p", `Note: ${note}`));
    for (const w of report.warnings || []) {
      const avoided = w.kind === "avoided";
      box.appendChild(element("p", `${avoided ? "Avoid this" : "Form"}, at ${s(w.time)}: ${w.message}`,
        avoided ? "notice notice-stop" : "notice notice-warn"));
    }
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    const counted = report.count_sentence || plural(report.rep_count, "rep");
    box.appendChild(element("p", `Summary: ${counted}, ${plural(report.hold_count, "hold")}, ` +
      `${plural(report.warnings.length, "form note")}; ` +
      (Number(report.unseen_seconds) > 0 ? `you were out of sight for ${s(report.unseen_seconds)}.` : "the camera saw you all the time."),
      "summary"));
    const blob = new Blob([JSON.stringify(report, null, 2)], { type: "application/json" });
    const link = $("report-download");
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    $("report").hidden = false;
    $("report-title").focus();
  }

  async function poll(id) {
    const response = await fetch(`/api/uploads/${encodeURIComponent(id)}`);
    const job = await response.json();
    if (!response.ok) return fail(job.error || "The analysis was lost.");
    if (job.state === "failed") return fail(job.error || "The analysis failed.");
    if (job.state === "done") {
      stage("Done.", 1);
      $("upload-button").disabled = false;
      listRecent(false);
      return summary(job.report);
    }
    if (job.state === "queued") stage("Waiting for the analysis to start…", 0);
    else stage(`Checking the video… ${Math.round(job.progress * 100)}%`, job.progress);
    setTimeout(() => poll(id), 400);
  }

  // The latest uploads: what happened to each, the report of a finished one on request, and
  // the progress of one still being checked (a page opened again picks it up).
  const STATES = {
    queued: () => "waiting to be checked",
    running: () => "being checked",
    done: () => "checked",
    failed: (job) => `not checked: ${job.error || "the analysis failed"}`,
  };

  async function listRecent(resume) {
    const response = await fetch("/api/uploads");
    if (!response.ok) return;
    const { uploads } = await response.json();
    const list = $("recent-list");
    list.replaceChildren();
    for (const job of uploads) {
      const item = element("li", `${job.filename}: ${(STATES[job.state] || STATES.queued)(job)}. `);
      if (job.state === "done" && job.report) {
        const show = element("button", "Show what backcoach saw", "link-button");
        show.type = "button";
        show.addEventListener("click", () => summary(job.report));
        item.appendChild(show);
      }
      list.appendChild(item);
    }
    $("recent").hidden = uploads.length === 0;
    const unfinished = uploads.find((job) => job.state === "queued" || job.state === "running");
    if (resume && unfinished) {
      $("upload-button").disabled = true;
      poll(unfinished.id);
    }
  }

  listRecent(true);

  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("video-file").files[0];
    if (!file) return fail("Choose a video file first.");
    $("upload-error").hidden = true;
    $("report").hidden = true;
    $("upload-button").disabled = true;
    const params = new URLSearchParams({ filename: file.name, exercise: $("exercise").value });
    const keep = $("keep-video");
    if (keep && keep.checked) params.set("keep", "true");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/uploads?${params}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    const csrf = document.querySelector('meta[name="csrf-token"]');
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf.content);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) stage(`Sending the video… ${Math.round((e.loaded / e.total) * 100)}%`, e.loaded / e.total);
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (error) { body = {}; }
      if (xhr.status !== 200) return fail(body.error || `The upload failed (${xhr.status}).`);
      stage("Checking the video…", 0);
      poll(body.id);
    };
    xhr.onerror = () => fail("The upload did not reach backcoach.");
    xhr.send(file);
  });
})();
