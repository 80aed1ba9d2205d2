// Check-in desk: QR scanning with the phone camera (jsQR), code and one-tap check-in without a
// page reload, live counters. Everything also works without this script (plain form POSTs).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Registrant list: "select all on this page".
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    var name = box.getAttribute("data-select-all");
    var form = box.form;
    box.addEventListener("change", function () {
      form.querySelectorAll("input[type=checkbox][name=" + name + "]").forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });

  var root = document.getElementById("checkin");
  if (!root) { return; }

  var resultBox = document.getElementById("checkin-result");
  var codeForm = document.getElementById("code-form");
  var codeInput = document.getElementById("code");
  var viaInput = codeForm ? codeForm.querySelector("input[name=via]") : null;
  var sessionSelect = document.getElementById("session-select");
  var busy = false;

  function setCounts(counts) {
    if (!counts) { return; }
    ["checked_in", "expected"].forEach(function (key) {
      var el = root.querySelector("[data-counter=" + key + "]");
      if (el && typeof counts[key] === "number") {
        el.textContent = counts[key].toLocaleString(document.documentElement.lang || "vi");
      }
    });
  }

  // A short sound and vibration per kind of answer, so a second scan or a refusal is noticed
  // without looking: one high beep (checked in), two middle ones (already), one low buzz (no).
  var audio = null;
  var FEEDBACK = {
    ok: {tones: [[880, 0.12]], vibrate: [60]},
    again: {tones: [[520, 0.1], [520, 0.1]], vibrate: [70, 60, 70]},
    error: {tones: [[220, 0.35]], vibrate: [250]},
    ask: {tones: [[440, 0.15]], vibrate: [40]}
  };
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) {
      try { audio = new Context(); } catch (e) { audio = null; }
    }
  }
  document.addEventListener("pointerdown", unlockAudio, {once: true});
  document.addEventListener("keydown", unlockAudio, {once: true});
  function feedback(kind) {
    var plan = FEEDBACK[kind];
    if (!plan) { return; }
    if (navigator.vibrate) { try { navigator.vibrate(plan.vibrate); } catch (e) { /* not allowed */ } }
    if (!audio || audio.state === "closed") { return; }
    var start = audio.currentTime;
    plan.tones.forEach(function (tone) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = tone[0];
      gain.gain.value = 0.15;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + tone[1]);
      start += tone[1] + 0.08;
    });
  }
  window.checkinFeedback = feedback;

  function showResult(data) {
    if (data && data.html) {
      resultBox.innerHTML = data.html;
      var panel = resultBox.firstElementChild;
      if (panel && panel.scrollIntoView) { panel.scrollIntoView({block: "nearest"}); }
      if (panel) { feedback(panel.getAttribute("data-feedback")); }
    }
    if (data) { setCounts(data.counts); }
  }

  // POST a form with fetch; on any network or server trouble fall back to a normal submit.
  // With the network gone, checkin-offline.js decides against its copy of the course.
  function postForm(form, onDone) {
    if (busy) { return; }
    var offline = window.checkinOffline;
    if (offline && offline.isOffline() && offline.submit(form)) { return; }
    busy = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: {"Accept": "application/json"},
      credentials: "same-origin"
    }).then(function (response) {
      // 400: the form was invalid; 409: the session is not today and needs a confirmation
      if (!response.ok && response.status !== 400 && response.status !== 409) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).then(function (data) {
      busy = false;
      if (data.outcome === "invalid") { return; }
      showResult(data);
      if (data.ok) { document.dispatchEvent(new CustomEvent("checkin:recorded")); }
      if (onDone) { onDone(data); }
    }).catch(function () {
      busy = false;
      if (offline && offline.submit(form, true)) { return; }
      form.submit();
    });
  }

  // Camera, typed code and keyboard-wedge scanner all end here.
  function handlePayload(text, via) {
    if (!codeForm || !text) { return; }
    codeInput.value = String(text).trim().slice(0, 200);
    if (viaInput) { viaInput.value = via || ""; }
    postForm(codeForm, function (data) {
      // An unknown code (or one waiting for the date confirmation) stays, to be corrected.
      if (data.keep_code) { codeInput.select(); return; }
      codeInput.value = "";
      if (viaInput) { viaInput.value = ""; }
      if (!scanning) { codeInput.focus(); }
    });
  }
  window.checkinHandlePayload = handlePayload;

  if (codeForm) {
    codeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (codeInput.value.trim()) { handlePayload(codeInput.value, viaInput ? viaInput.value : ""); }
    });
  }

  // One tap on a search result.
  document.querySelectorAll("form.js-checkin").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      postForm(form, function (data) {
        if (data.ok) {
          var done = document.createElement("span");
          done.className = "text-success fw-semibold text-nowrap";
          done.textContent = "\u2713";
          form.replaceWith(done);
        }
      });
    });
  });

  if (sessionSelect) {
    sessionSelect.addEventListener("change", function () { sessionSelect.form.submit(); });
  }

  // Live counters.
  var countsUrl = root.getAttribute("data-counts-url");
  if (countsUrl) {
    window.setInterval(function () {
      if (document.hidden) { return; }
      fetch(countsUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(setCounts)
        .catch(function () {});
    }, 5000);
  }

  // QR scanning: camera frames drawn on a canvas and decoded by jsQR.
  var scanButton = document.getElementById("scan-button");
  var scanner = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var status = document.getElementById("scanner-status");
  var scanning = false;
  var stream = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", {willReadFrequently: true});
  var last = {text: "", at: 0};

  function stopScanning() {
    scanning = false;
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    scanner.classList.add("d-none");
    scanButton.textContent = scanButton.getAttribute("data-start-label");
  }

  function tick() {
    if (!scanning) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA && window.jsQR) {
      var width = video.videoWidth, height = video.videoHeight;
      var scale = Math.min(1, 640 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      var now = Date.now();
      // The same code held in front of the camera is sent once every 3 seconds at most.
      if (found && found.data && (found.data !== last.text || now - last.at > 3000)) {
        last = {text: found.data, at: now};
        handlePayload(found.data, "camera");
      }
    }
    window.setTimeout(function () { window.requestAnimationFrame(tick); }, 150);
  }

  if (scanButton && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    document.getElementById("scan-slot").classList.remove("d-none");
    scanButton.addEventListener("click", function () {
      if (scanning) { stopScanning(); return; }
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
        .then(function (s) {
          stream = s;
          scanning = true;
          video.srcObject = s;
          scanner.classList.remove("d-none");
          scanButton.textContent = scanButton.getAttribute("data-stop-label");
          return video.play();
        })
        .then(tick)
        .catch(function (error) {
          stopScanning();
          scanner.classList.remove("d-none");
          status.textContent = (error && error.name === "NotAllowedError")
            ? scanButton.getAttribute("data-denied-label")
            : scanButton.getAttribute("data-error-label");
        });
    });
    window.addEventListener("pagehide", stopScanning);
  }
})();
