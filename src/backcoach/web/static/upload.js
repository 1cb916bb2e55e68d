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
    const node = element("table");
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
      for (const cell of row) tr.insertCell().textContent = cell;
    }
    return node;
  }

  function summary(report) {
    const box = $("report-summary");
    const s = (value) => Number(value).toFixed(1);
    box.replaceChildren();
    let title = report.exercise;
    if (report.recognized && report.confidence !== null) {
      title = `${report.recognized} (recognised, confidence ${Math.round(report.confidence * 100)}%)`;
    }
    box.appendChild(element("p", `${title}: ${s(report.duration)} s of video`, "dose"));
    if (report.reps.length) {
      box.appendChild(table("Repetitions", ["#", "start s", "end s", "duration s", "side", "warnings"],
        report.reps.map((r, i) => [i + 1, s(r.start), s(r.end), s(r.duration), r.side || "",
          (r.warnings || []).join(", ")])));
    }
    if (report.holds.length) {
      box.appendChild(table("Holds", ["#", "start s", "end s", "held s", "side"],
        report.holds.map((h, i) => [i + 1, s(h.start), s(h.end), s(h.seconds), h.side || ""])));
    }
    for (const note of report.notes || []) box.appendChild(element("p", `Note: ${note}`));
    for (const w of report.warnings || []) {
      const avoided = w.kind === "avoided";
      box.appendChild(element("p", `${avoided ? "Avoid" : "Form"}: ${s(w.time)} s  ${w.message}`,
        avoided ? "notice notice-stop" : "notice notice-warn"));
    }
    box.appendChild(element("p", `Summary: ${report.rep_count} reps, ${report.hold_count} holds, ` +
      `${report.warnings.length} warnings, not seen for ${s(report.unseen_seconds)} s.`, "summary"));
    $("report-json").textContent = JSON.stringify(report, null, 2);
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
      return summary(job.report);
    }
    stage(`Checking the video… ${Math.round(job.progress * 100)}%`, job.progress);
    setTimeout(() => poll(id), 400);
  }

  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("video-file").files[0];
    if (!file) return fail("Choose a video file first.");
    $("upload-error").hidden = true;
    $("report").hidden = true;
    $("upload-button").disabled = true;
    const params = new URLSearchParams({ filename: file.name, exercise: $("exercise").value });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/uploads?${params}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
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
