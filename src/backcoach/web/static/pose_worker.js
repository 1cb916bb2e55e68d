// The pose model on the person's own device: BlazePose full (@mediapipe/pose, the same model
// file as the Python backend), in a Web Worker so the page stays responsive. The page sends
// camera frames as ImageBitmaps; this worker answers with landmarks. No picture leaves it.
//
// @mediapipe/pose has a worker branch, but it hands the model file to importScripts and never
// loads the graph, so it fails. Its page branch works in a worker once it finds what it uses
// of the page: `window`, <script> tags (loaded here with importScripts) and <canvas>
// (an OffscreenCanvas, for the WebGL context it prepares images with).
"use strict";

self.window = self;
self.document = {
  createElement(tag) {
    if (tag === "canvas") return new OffscreenCanvas(1, 1);
    if (tag === "script") {
      const listeners = {};
      return {
        setAttribute(name, value) { this[name] = value; },
        addEventListener(kind, listener) { listeners[kind] = listener; },
        fire(kind) { if (listeners[kind]) listeners[kind](); },
      };
    }
    throw new Error(`The pose worker cannot make a <${tag}>.`);
  },
  body: {
    appendChild(script) {
      try {
        importScripts(script.src);
        script.fire("load");
      } catch (error) {
        script.fire("error");
      }
    },
  },
};

// mp.solutions.pose in Python stamps frames 33 333 µs apart whatever their real times, and
// its landmark smoothing works on those stamps; the same steps here smooth the same way.
const STEP_MS = 33.333;
const round = (v) => Math.round(v * 1e4) / 1e4;
let pose = null;
let latest = null;
let frames = 0;

function flat(points, fields) {
  const out = [];
  for (const point of points) for (const field of fields) out.push(round(point[field] || 0));
  return out;
}

async function start(assets) {
  importScripts(assets + "pose.js");
  pose = new self.Pose({ locateFile: (file) => assets + file });
  pose.setOptions({
    modelComplexity: 1,
    smoothLandmarks: true,
    enableSegmentation: false,
    smoothSegmentation: false,
    minDetectionConfidence: 0.5,
    minTrackingConfidence: 0.5,
    selfieMode: false,
    // The model runs on the CPU (WebAssembly, as XNNPACK in Python): the same arithmetic as
    // the server, and far faster than WebGL where the GPU is emulated.
    useCpuInference: true,
  });
  pose.onResults((results) => { latest = results; });
  await pose.initialize();
}

async function estimate(image) {
  latest = null;
  frames += 1;
  try {
    await pose.send({ image }, frames * STEP_MS);
  } finally {
    image.close();
  }
  const seen = latest && latest.poseLandmarks;
  if (!seen) return { image: null };
  const world = latest.poseWorldLandmarks || [];
  return {
    image: flat(latest.poseLandmarks, ["x", "y", "z"]),
    world: world.length ? flat(world, ["x", "y", "z"]) : null,
    visibility: flat(latest.poseLandmarks, ["visibility"]),
  };
}

self.onmessage = async (event) => {
  const message = event.data;
  const started = performance.now();
  try {
    if (message.type === "start") {
      await start(message.assets);
      self.postMessage({ type: "ready", ms: performance.now() - started });
    } else if (message.type === "frame") {
      const pose = await estimate(message.image);
      self.postMessage({ type: "pose", id: message.id, ms: performance.now() - started, ...pose });
    }
  } catch (error) {
    self.postMessage({ type: "failed", id: message.id, message: String((error && error.message) || error) });
  }
};
