// The live session page: pose landmarks (or, on a slow device, camera frames) out over a
// WebSocket, session state and analysis back. Where the browser runs the pose model fast
// enough (pose_worker.js, measured in the first seconds), no picture leaves the device.
// Plain JavaScript, no build step. Keys: Space pause, P pain, S skip, Q quit, M speech.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("session-data").textContent);
  const $ = (id) => document.getElementById(id);
  const PHASE_WORDS = {
    intro: "Get ready", move: "Move", hold: "Hold", return: "Come back slowly",
    rest: "Rest", between: "Rest", finished: "Finished", idle: "Starting",
  };

  function tabId() {
    let id = sessionStorage.getItem("backcoach-tab");
    if (!id) {
      id = Math.random().toString(36).slice(2) + Date.now().toString(36);
      sessionStorage.setItem("backcoach-tab", id);
    }
    return id;
  }

  let session = null;
  let lastCueId = null;
  let muted = localStorage.getItem("backcoach-muted") === "1";
  let busy = false;
  let ws = null;
  let stream = null;
  let cameraFailed = false;
  let cameraExercise = null;
  let encoding = false;
  let exerciseShown = null;
  const grab = document.createElement("canvas");
  const poseConfig = data.pose;
  // Where pose runs: "browser" (landmarks are sent), "server" (frames are sent), or null
  // until the camera is on and the choice is made.
  let poseMode = null;
  let poseWorker = null;
  let poseBusy = false;
  let poseSentAt = 0;
  let poseTimes = [];
  let poseTrialDone = false;
  const TRIAL_FRAMES = 24; // about two seconds at 15 frames a second
  const WARM_UP_FRAMES = 4; // the first frames include the model's own start-up

  // ------------------------------------------------------------------ server calls
  function csrfHeader() {
    // Clinic mode puts the session's CSRF token in a meta tag; local mode has none.
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? { "X-CSRF-Token": meta.content } : {};
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...csrfHeader() },
      body: JSON.stringify(body || {}),
    });
    const payload = await response.json();
    if (!response.ok) {
      showCameraMessage(payload.error || "Something went wrong.");
      return null;
    }
    render(payload);
    return payload;
  }
  const command = (name) => (busy ? null : post("/api/session/command", { command: name }));

  // ------------------------------------------------------------------ speech
  function speak(text) {
    if (muted || !("speechSynthesis" in window) || !text) return;
    if (window.speechSynthesis.pending) window.speechSynthesis.cancel();
    window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  }
  function showMute() {
    $("mute-button").setAttribute("aria-pressed", muted ? "true" : "false");
    $("mute-button").firstChild.textContent = muted ? "Speech off " : "Speech on ";
  }
  function toggleMute() {
    muted = !muted;
    localStorage.setItem("backcoach-muted", muted ? "1" : "0");
    if (muted && "speechSynthesis" in window) window.speechSynthesis.cancel();
    showMute();
  }

  // ------------------------------------------------------------------ drawing the state
  function show(id, visible) { $(id).hidden = !visible; }
  function showCameraMessage(text) {
    $("camera-message").textContent = text || "";
    show("camera-message", Boolean(text));
  }

  function render(s) {
    if (!s || busy) return;
    if (!s.active && !s.finished) { window.location.assign("/"); return; }
    session = s;
    const info = s.exercise_index !== null && s.exercise_index !== undefined
      ? data.exercises[s.exercise_index] : null;
    $("progress").value = s.progress;
    $("progress-label").textContent = s.finished
      ? "Session over"
      : `Exercise ${(s.exercise_index || 0) + 1} of ${s.exercise_count}: ${s.name || ""}`;
    $("pause-button").firstChild.textContent = s.paused ? "Resume " : "Pause ";

    // Speak and show new cues (not the ones already said before this page loaded).
    const cues = s.cues || [];
    if (lastCueId === null) lastCueId = cues.length ? cues[cues.length - 1].id : 0;
    for (const cue of cues) {
      if (cue.id > lastCueId) { speak(cue.text); lastCueId = cue.id; }
    }
    // The cue line keeps the session's own prompts; what the camera sees now is shown live
    // beside it (spoken once above), so a message about a moment ago never lingers.
    const guides = cues.filter((cue) => cue.kind !== "camera");
    if (guides.length) $("cue").textContent = guides[guides.length - 1].text;

    if (info && exerciseShown !== s.exercise_index) {
      exerciseShown = s.exercise_index;
      $("setup-title").textContent = `${info.name}: get ready`;
      $("exercise-title").textContent = info.name;
      $("setup-dose").textContent = info.dose;
      $("placement").textContent = info.placement;
      $("start-position").textContent = info.start_position;
      const steps = $("steps");
      steps.replaceChildren(...info.steps.map((text) => {
        const li = document.createElement("li"); li.textContent = text; return li;
      }));
    }

    const asking = Boolean(s.coach && s.coach.confirming_quit && !s.finished);
    const quitDialog = $("quit-dialog");
    if (asking && !quitDialog.open) quitDialog.showModal();
    if (!asking && quitDialog.open) quitDialog.close();

    if (s.finished) {
      show("setup-panel", false); show("exercise-panel", false); show("stage", false); show("pose-where", false);
      show("controls", false); show("done-panel", true);
      const o = s.outcome;
      const summary = o ? `Session ${o.label}: ${o.exercises_done} of ${o.exercises_planned} exercises done.` : "";
      const ending = s.status === "stopped_pain" && s.reason ? s.reason
        : s.status === "completed" && o && o.ending === "completed" ? "Well done."
        : "What you did is saved.";
      $("done-message").textContent = `${summary} ${ending}`.trim();
      $("done-message").className = s.status === "stopped_pain" ? "notice notice-stop" : "notice";
      show("pain-after-form", !s.pain_after_done);
      show("saved-message", s.pain_after_done);
      stopCamera();
      return;
    }

    const coach = s.coach || {};
    const intro = s.phase === "intro";
    const resting = s.phase === "rest" || s.phase === "between";
    show("setup-panel", intro);
    show("exercise-panel", !intro);
    show("placement-block", s.camera);
    show("no-camera-button", s.camera);
    show("set-no-camera-button", s.camera);
    show("camera-on-button", !s.camera && !cameraFailed && intro);
    show("stage", s.camera);
    show("pose-where", Boolean(s.camera && $("pose-where").textContent));
    // What the camera sees, in one place: the get-ready panel, or the set's panel.
    if (s.camera) {
      $("setup-message").textContent = coach.message || "Get into the start position.";
      $("setup-message").dataset.ok = coach.message && coach.message.startsWith("That's the start") ? "true" : "false";
    } else {
      $("setup-message").textContent = "Without the camera, the timers guide you. Press start when you are in position.";
      $("setup-message").dataset.ok = "false";
    }
    const readyIn = coach.ready_in;
    $("ready-countdown").textContent = readyIn !== null && readyIn !== undefined
      ? `Starting by itself in ${Math.ceil(readyIn)} s.` : "";
    show("ready-countdown", readyIn !== null && readyIn !== undefined && !s.camera);
    $("camera-says").textContent = coach.message || "";
    show("camera-says", Boolean(s.camera && coach.message));
    $("seen-message").textContent = coach.message || "";
    // On the picture only when nobody is in it, so it never covers the person.
    show("seen-message", Boolean(s.camera && coach.message && coach.message.startsWith("I can't see you")));

    $("rep-count").textContent = s.reps_done;
    $("rep-target").textContent = s.reps;
    $("side-label").textContent = s.side ? "Side" : "Movement";
    $("side").textContent = s.side || s.part || "–";
    show("side-readout", Boolean(s.side || s.part));
    const pace = s.camera && !resting ? "Your pace" : (PHASE_WORDS[s.phase] || s.phase);
    $("phase").textContent = s.paused ? "Paused" : pace;
    $("seconds-left").textContent = intro || (s.camera && !resting) ? "–" : `${s.seconds_left.toFixed(0)} s`;
    $("counted-by").textContent = s.camera
      ? "The camera counts your reps and times your holds. Move at your own pace."
      : "Counting with the timers.";
    if (s.phase === "between" && s.next_name) $("cue").textContent = `Rest. Coming up: ${s.next_name}.`;
    $("warning").textContent = s.warning || ""; show("warning", Boolean(s.warning));
    $("avoided").textContent = s.avoided || ""; show("avoided", Boolean(s.avoided));
    $("hold-timer").textContent = (coach.hold_seconds || 0).toFixed(1);
    $("hold-timer").dataset.running = coach.hold_running ? "true" : "false";
    $("skip-button").firstChild.textContent = (coach.skip_label || "Skip") + " ";
    if (s.camera) startCamera();
  }

  function renderPose(msg) {
    if (poseMode !== "browser") drawSkeleton(msg.landmarks); // else drawn as the device sees it
  }

  function drawSkeleton(landmarks) {
    const video = $("video");
    const canvas = $("overlay");
    const width = video.clientWidth, height = video.clientHeight;
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    if (!landmarks) return;
    const point = (i) => [landmarks[i][0] * width, landmarks[i][1] * height, landmarks[i][2]];
    ctx.lineWidth = Math.max(3, width / 160);
    ctx.strokeStyle = "#00e0ff";
    for (const [a, b] of data.edges) {
      const p = point(a), q = point(b);
      if (p[2] < 0.5 || q[2] < 0.5) continue;
      ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
    }
    ctx.fillStyle = "#ffbf47";
    for (let i = 0; i < landmarks.length; i += 1) {
      const p = point(i);
      if (p[2] < 0.5) continue;
      ctx.beginPath(); ctx.arc(p[0], p[1], ctx.lineWidth * 1.3, 0, 2 * Math.PI); ctx.fill();
    }
  }

  // ------------------------------------------------------------------ camera
  async function startCamera() {
    if (stream || cameraFailed) return;
    cameraFailed = true; // until it works, so render() does not ask twice
    try {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("no camera API");
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 } }, audio: false });
      $("video").srcObject = stream;
      await $("video").play().catch(() => {});
      cameraFailed = false;
      showCameraMessage("");
      if (poseMode === null) choosePose();
    } catch (error) {
      showCameraMessage("The camera is not available, so the timers will guide you. (" + error.message + ")");
      command("no_camera");
    }
  }
  function stopCamera() {
    if (stream) { stream.getTracks().forEach((t) => t.stop()); stream = null; }
  }

  // ------------------------------------------------------------------ where pose runs
  function browserCanRunPose() {
    if (typeof WebAssembly !== "object") return "this browser has no WebAssembly";
    if (typeof Worker !== "function" || typeof OffscreenCanvas !== "function"
        || typeof createImageBitmap !== "function") return "this browser cannot run the pose model in the background";
    return null;
  }

  function showPoseWhere(text) {
    $("pose-where").textContent = text;
    show("pose-where", Boolean(text && session && session.camera));
  }

  function sendMode() {
    if ((poseMode === "browser" || poseMode === "server") && ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "mode", pose: poseMode }));
    }
  }

  function useServer(reason) {
    if (poseWorker) { poseWorker.terminate(); poseWorker = null; }
    poseBusy = false;
    poseMode = "server";
    document.body.dataset.pose = "server";
    sendMode();
    showPoseWhere(`Pose runs on the coach's computer: ${reason}. Camera pictures are sent to it and not kept.`);
  }

  function useBrowser() {
    poseMode = "browser";
    document.body.dataset.pose = "browser";
    sendMode();
    showPoseWhere("Pose runs on this device: checking its speed…");
  }

  function choosePose() {
    const wanted = poseConfig.mode;
    if (wanted === "server") { useServer("you chose it"); return; }
    if (!poseConfig.available) { useServer("the pose model for the browser is not installed"); return; }
    const missing = browserCanRunPose();
    if (missing) { useServer(missing); return; }
    poseMode = "starting";
    document.body.dataset.pose = "starting";
    showPoseWhere("Loading the pose model on this device…");
    const worker = new Worker("/static/pose_worker.js");
    poseWorker = worker;
    const giveUp = setTimeout(() => {
      if (poseWorker === worker && poseMode === "starting") useServer("the pose model took too long to load here");
    }, 30000);
    worker.onerror = () => { clearTimeout(giveUp); if (poseWorker === worker) useServer("the pose model could not start here"); };
    worker.onmessage = (event) => {
      const msg = event.data;
      if (poseWorker !== worker) return;
      if (msg.type === "ready") { clearTimeout(giveUp); useBrowser(); }
      else if (msg.type === "pose") onDevicePose(msg);
      else if (msg.type === "failed") { clearTimeout(giveUp); useServer("the pose model stopped on this device"); }
    };
    worker.postMessage({ type: "start", assets: poseConfig.assets });
  }

  function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  // Each frame's time from grabbing it to having its landmarks, in the first seconds: the
  // device keeps pose where it manages at least min_fps.
  function judgeSpeed(ms) {
    if (poseTrialDone) return;
    poseTimes.push(ms);
    if (poseTimes.length < WARM_UP_FRAMES + TRIAL_FRAMES) return;
    poseTrialDone = true;
    const fps = 1000 / median(poseTimes.slice(WARM_UP_FRAMES));
    document.body.dataset.poseFps = fps.toFixed(1);
    const speed = `${Math.min(fps, poseConfig.fps).toFixed(0)} frames a second`;
    if (fps < poseConfig.min_fps && poseConfig.mode === "auto") {
      useServer(`this device managed ${fps.toFixed(0)} frames a second, too few to follow you`);
    } else {
      showPoseWhere(`Pose runs on this device (${speed}): no picture leaves it.`);
    }
  }

  function sendDeviceFrame() {
    const video = $("video");
    if (poseBusy || !poseWorker || video.readyState < 2 || !video.videoWidth) return;
    const now = performance.now();
    if (now - poseSentAt < 1000 / poseConfig.fps - 4) return;
    poseSentAt = now;
    const scale = Math.min(1, poseConfig.width / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    poseBusy = true;
    createImageBitmap(video, { resizeWidth: width, resizeHeight: height }).then((image) => {
      if (!poseWorker) { image.close(); poseBusy = false; return; }
      poseWorker.postMessage({ type: "frame", id: now, image, width, height }, [image]);
    }, () => { poseBusy = false; });
  }

  function onDevicePose(msg) {
    poseBusy = false;
    const captured = msg.id;
    judgeSpeed(performance.now() - captured);
    if (poseMode !== "browser") return;
    const video = $("video");
    const scale = Math.min(1, poseConfig.width / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    drawSkeleton(msg.image ? msg.visibility.map((v, i) => [msg.image[3 * i], msg.image[3 * i + 1], v]) : null);
    if (!ws || ws.readyState !== WebSocket.OPEN || !session || !session.camera || !cameraExercise) return;
    const message = { type: "landmarks", t: Math.round(captured * 10) / 10, width, height, image: msg.image };
    if (msg.image) { message.world = msg.world; message.visibility = msg.visibility; }
    ws.send(JSON.stringify(message));
  }

  function sendFrame() {
    const video = $("video");
    if (stream && poseMode === "browser") { sendDeviceFrame(); return; }
    if (poseMode !== "server") return;
    if (!stream || !ws || ws.readyState !== WebSocket.OPEN || encoding) return;
    if (!session || !session.camera || !cameraExercise) return;
    if (ws.bufferedAmount > 0 || video.readyState < 2 || !video.videoWidth) return;
    const scale = Math.min(1, data.frame_width / video.videoWidth);
    grab.width = Math.round(video.videoWidth * scale);
    grab.height = Math.round(video.videoHeight * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    const captured = performance.now();
    encoding = true;
    grab.toBlob(async (blob) => {
      try {
        if (!blob || !ws || ws.readyState !== WebSocket.OPEN) return;
        const jpeg = new Uint8Array(await blob.arrayBuffer());
        const message = new Uint8Array(8 + jpeg.length);
        new DataView(message.buffer).setFloat64(0, captured, true);
        message.set(jpeg, 8);
        ws.send(message.buffer);
      } finally {
        encoding = false;
      }
    }, "image/jpeg", data.jpeg_quality);
  }

  // ------------------------------------------------------------------ socket
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // Until the choice is made the server loads no model unless pose can only run there.
    const pose = poseMode === "server" || poseConfig.mode === "server" || !poseConfig.available
      ? "server" : "browser";
    ws = new WebSocket(`${scheme}://${location.host}/ws/live?tab=${encodeURIComponent(tabId())}&pose=${pose}`);
    ws.onopen = sendMode;
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "busy") {
        busy = true;
        $("tab-message").textContent = msg.message;
        show("tab-message", true);
        ["setup-panel", "exercise-panel", "stage", "controls", "done-panel"].forEach((id) => show(id, false));
        stopCamera();
        return;
      }
      if ("camera_exercise" in msg) cameraExercise = msg.camera_exercise;
      if (msg.session) render(msg.session);
      if (msg.type === "pose") renderPose(msg);
      if (msg.type === "error" && poseMode === "browser") console.warn(msg.message);
    };
    ws.onclose = (event) => {
      if (busy) return;
      if (event.code === 4000) {
        busy = true;
        $("tab-message").textContent = "This session was opened again elsewhere in this tab.";
        show("tab-message", true);
        return;
      }
      setTimeout(connect, 1000);
    };
  }

  // ------------------------------------------------------------------ pain
  function openPain() {
    if (busy || !session || session.finished) return;
    const dialog = $("pain-dialog");
    if (!dialog.open) dialog.showModal();
    pendingDigit = null;
  }
  let pendingDigit = null;
  async function reportPain(score) {
    pendingDigit = null;
    $("pain-dialog").close();
    await post("/api/session/pain", { score });
  }
  async function painAfter(score) {
    await post("/api/session/finish", { pain_after: score });
  }

  // ------------------------------------------------------------------ wiring
  $("mute-button").addEventListener("click", toggleMute);
  $("pause-button").addEventListener("click", () => command("toggle_pause"));
  $("skip-button").addEventListener("click", () => command("skip"));
  $("quit-button").addEventListener("click", () => command("quit"));
  $("confirm-quit-button").addEventListener("click", () => command("confirm_quit"));
  $("keep-going-button").addEventListener("click", () => command("keep_going"));
  $("quit-dialog").addEventListener("cancel", (event) => { event.preventDefault(); command("keep_going"); });
  $("set-no-camera-button").addEventListener("click", () => { stopCamera(); command("camera_off"); });
  $("pain-button").addEventListener("click", openPain);
  $("ready-button").addEventListener("click", () => command("ready"));
  $("no-camera-button").addEventListener("click", () => { stopCamera(); command("camera_off"); });
  $("camera-on-button").addEventListener("click", () => { cameraFailed = false; command("camera_on"); });
  document.querySelectorAll(".pain-now").forEach((button) =>
    button.addEventListener("click", () => reportPain(Number(button.dataset.score))));
  document.querySelectorAll(".pain-after").forEach((button) =>
    button.addEventListener("click", () => painAfter(Number(button.dataset.score))));
  $("pain-after-skip").addEventListener("click", () => painAfter(null));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    if ($("quit-dialog").open) return;
    const dialog = $("pain-dialog");
    if (dialog.open) {
      if (/^[0-9]$/.test(event.key)) {
        event.preventDefault();
        if (pendingDigit === 1 && event.key === "0") { reportPain(10); return; }
        if (event.key === "1") {
          pendingDigit = 1; // "1" may be the start of "10"
          setTimeout(() => { if (pendingDigit === 1 && dialog.open) reportPain(1); }, 700);
          return;
        }
        reportPain(Number(event.key));
      }
      return;
    }
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
    const key = event.key.toLowerCase();
    if (key === " " || key === "spacebar") {
      if (target && target.tagName === "BUTTON") return; // Space presses the focused button
      event.preventDefault(); command("toggle_pause");
    } else if (key === "p") { event.preventDefault(); openPain(); }
    else if (key === "s") { event.preventDefault(); command("skip"); }
    else if (key === "q") { event.preventDefault(); command("quit"); }
    else if (key === "m") { event.preventDefault(); toggleMute(); }
  });

  showMute();
  connect();
  setInterval(sendFrame, 1000 / 20);
})();
