// The start page: without any camera on this device, the session is guided by timers.
(async function () {
  "use strict";
  let found = false;
  try {
    if (navigator.mediaDevices && navigator.mediaDevices.enumerateDevices) {
      const devices = await navigator.mediaDevices.enumerateDevices();
      found = devices.some((device) => device.kind === "videoinput");
    }
  } catch (error) {
    found = false;
  }
  if (!found) {
    const box = document.getElementById("use-camera");
    box.checked = false;
    box.disabled = true;
    document.getElementById("no-camera-note").hidden = false;
  }
})();
