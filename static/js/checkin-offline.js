// Check-in that keeps working when the network drops (server side: attendance/sync.py).
//
// Online, the page keeps a snapshot of the course's registrants in IndexedDB (refreshed every
// minute and after each check-in). Offline, a scan, a typed code, a search and a tap are decided
// against it, and each check-in (and walk-in) is queued with an id made here, this device's name,
// the session and the time. Once the network is back the queue is sent to the sync endpoint,
// which is idempotent; what the server could not take as it was (cancelled meanwhile, checked in
// by another device, ...) is listed for review. checkin.js hands its forms over through
// window.checkinOffline when the network is gone.
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  var stringsNode = document.getElementById("offline-strings");
  if (!root || !root.getAttribute("data-snapshot-url") || !stringsNode || !window.indexedDB) {
    return;
  }
  var T = JSON.parse(stringsNode.textContent);
  var EVENT_ID = Number(root.getAttribute("data-event-id"));
  var SESSION_ID = Number(root.getAttribute("data-session-id"));
  var SNAPSHOT_URL = root.getAttribute("data-snapshot-url");
  var SYNC_URL = root.getAttribute("data-sync-url");
  var DB_NAME = "trainingapp-checkin";
  var CHUNK = 500;
  var REFRESH_MS = 60000;
  var lang = document.documentElement.lang || "vi";
  var SNAPSHOT_FORMAT = 2;  // attendance/sync.py: a stored copy in another format is not used

  var banner = document.getElementById("offline-banner");
  var review = document.getElementById("sync-review");
  var resultBox = document.getElementById("checkin-result");
  var codeInput = document.getElementById("code");

  var online = navigator.onLine !== false;
  var snap = null;        // the snapshot as stored, plus indexes
  var queue = [];         // this course's items not yet answered by the server
  var reviewItems = [];   // answers to look at
  var csrf = (document.querySelector("#code-form input[name=csrf_token]") || {}).value || "";
  var syncing = false;

  // --- text: the same folding as the server (common/text.py: fold) -------------------------
  function fold(text) {
    return String(text || "").normalize("NFC").replace(/\s+/g, " ").trim().toLowerCase()
      .normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d");
  }
  function codeOf(text) {  // registration/tokens.py: parse_checkin_payload
    return String(text || "").toUpperCase().replace(/[^\p{L}\p{N}]/gu, "");
  }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function clock(ms) {
    return new Date(ms).toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit", hour12: false});
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function deviceName() {
    var name = localStorage.getItem("checkin-device");
    if (!name) {
      name = T.device_default + " " + newId().slice(0, 4).toUpperCase();
      localStorage.setItem("checkin-device", name);
    }
    return name;
  }

  // --- IndexedDB ---------------------------------------------------------------------------
  var dbPromise = new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      var db = request.result;
      db.createObjectStore("snapshots", {keyPath: "event_id"});
      db.createObjectStore("queue", {keyPath: "id"}).createIndex("event_id", "event_id");
      db.createObjectStore("review", {keyPath: "id"}).createIndex("event_id", "event_id");
    };
    request.onsuccess = function () {
      var db = request.result;
      db.onversionchange = function () { db.close(); };  // sign-out deletes the database
      resolve(db);
    };
    request.onerror = function () { reject(request.error); };
  });
  function store(name, mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function allOf(name) {
    return store(name, "readonly", function (s) { return s.index("event_id").getAll(EVENT_ID); });
  }

  // --- the snapshot ------------------------------------------------------------------------
  // The server sends registrants column by column; the page works with one array per person:
  // [id, code, name, folded name, unit id, status index].
  function index(data) {
    var byCode = {}, byId = {}, attended = {}, rows = [];
    var c = data.registrants;
    for (var i = 0; i < c.id.length; i++) {
      var r = [c.id[i], c.code[i], c.name[i], c.fold[i], c.unit[i], c.status[i]];
      rows.push(r);
      byCode[r[1]] = r;
      byId[r[0]] = r;
    }
    Object.keys(data.attendance).forEach(function (sid) {
      attended[sid] = {};
      data.attendance[sid].forEach(function (pair) { attended[sid][pair[0]] = pair[1]; });
    });
    return {
      taken_at: data.taken_at, statuses: data.statuses, sessions: data.sessions, units: data.units,
      rows: rows, byCode: byCode, byId: byId, attended: attended
    };
  }
  function queuedAt(registrationId, sessionId) {
    for (var i = 0; i < queue.length; i++) {
      var item = queue[i];
      if (item.session_id !== sessionId) { continue; }
      var r = item.registration_id ? snap.byId[item.registration_id] : snap.byCode[codeOf(item.code)];
      if (r && r[0] === registrationId) { return item.at; }
    }
    return null;
  }
  function attendedAt(r) {
    var taken = (snap.attended[SESSION_ID] || {})[r[0]];
    return taken || queuedAt(r[0], SESSION_ID);
  }
  function takeSnapshot() {
    return fetch(SNAPSHOT_URL, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        csrf = data.csrf_token || csrf;
        delete data.csrf_token;
        data.event_id = EVENT_ID;
        setOnline(true);
        return store("snapshots", "readwrite", function (s) { s.put(data); }).then(function () {
          snap = index(data);
          render();
        });
      })
      .catch(function () { setOnline(false); });
  }
  var refreshTimer = null;
  function refreshSoon() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(takeSnapshot, 1500);
  }

  // --- the banner, the counters and the review list ----------------------------------------
  function setOnline(value) {
    if (online === value) { return; }
    online = value;
    render();
    if (online) { sync(); }
  }
  function render() {
    if (!banner) { return; }
    var waiting = queue.length;
    banner.classList.toggle("d-none", online && waiting === 0 && !syncing);
    banner.classList.toggle("alert-warning", !online);
    banner.classList.toggle("alert-info", online);
    banner.setAttribute("data-state", online ? "online" : "offline");
    banner.querySelector("[data-status]").textContent = online ? T.online : T.offline;
    var waitingText = waiting === 1 ? T.waiting_one : T.waiting_other;
    banner.querySelector("[data-waiting]").textContent = waiting ? format(waitingText, {count: waiting}) : T.nothing_waiting;
    banner.querySelector("[data-count]").textContent = String(waiting);
    var taken = banner.querySelector("[data-taken]");
    taken.textContent = snap ? format(T.snapshot_at, {time: clock(snap.taken_at)}) : T.no_snapshot;
    var sendButton = banner.querySelector("[data-send]");
    sendButton.classList.toggle("d-none", !online || waiting === 0);
    if (!online && snap) { offlineCounters(); }
    renderReview();
  }
  function offlineCounters() {
    var confirmed = snap.statuses.indexOf("confirmed");
    var counted = 0;
    snap.rows.forEach(function (r) { if (r[5] === confirmed && attendedAt(r)) { counted += 1; } });
    var el = root.querySelector("[data-counter=checked_in]");
    if (el) { el.textContent = counted.toLocaleString(lang); }
  }
  function renderReview() {
    if (!review) { return; }
    var list = review.querySelector("ul");
    list.textContent = "";
    review.classList.toggle("d-none", reviewItems.length === 0);
    reviewItems.forEach(function (entry) {
      var li = document.createElement("li");
      li.className = "list-group-item d-flex gap-2 align-items-start";
      li.setAttribute("data-review", entry.outcome);
      var text = document.createElement("div");
      text.className = "flex-grow-1 text-break";
      var title = document.createElement("div");
      title.className = "fw-semibold";
      title.textContent = entry.name || entry.code || entry.person_name || "—";
      var detail = document.createElement("div");
      detail.className = "small";
      detail.textContent = describe(entry);
      text.append(title, detail);
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "btn btn-sm btn-outline-secondary text-nowrap";
      dismiss.textContent = T.dismiss;
      dismiss.addEventListener("click", function () {
        reviewItems = reviewItems.filter(function (other) { return other.id !== entry.id; });
        store("review", "readwrite", function (s) { s.delete(entry.id); });
        renderReview();
      });
      li.append(text, dismiss);
      list.append(li);
    });
  }
  function describe(entry) {
    var at = entry.at ? clock(entry.at) : "";
    switch (entry.outcome) {
      case "already": return format(T.conflict_already, {time: at, other: entry.other || "?"});
      case "refused": return format(T.conflict_refused, {status: T.statuses[entry.status] || entry.status});
      case "merged": return T.conflict_merged;
      case "not_registered": return format(T.conflict_unknown, {code: entry.code || ""});
      default:
        var errors = entry.errors ? Object.keys(entry.errors).map(function (k) { return entry.errors[k]; }).join(" ") : "";
        return (T.conflict_invalid + " " + errors).trim();
    }
  }

  // --- the panel -----------------------------------------------------------------------------
  function panel(kind, tone, icon, title, lines) {
    var box = document.createElement("div");
    box.className = "checkin-panel checkin-" + kind + " text-bg-" + tone + " rounded-3 p-3 mb-3";
    box.setAttribute("role", "status");
    box.setAttribute("data-feedback", kind);
    box.setAttribute("data-offline", "true");
    var head = document.createElement("div");
    head.className = "fs-3 fw-bold lh-sm";
    var mark = document.createElement("span");
    mark.className = "checkin-icon";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = icon;
    head.append(mark, " " + title);
    box.append(head);
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.className = line[1] || "";
      div.textContent = line[0];
      box.append(div);
    });
    resultBox.textContent = "";
    resultBox.append(box);
    if (window.checkinFeedback) { window.checkinFeedback(kind); }
    return box;
  }
  function personLines(r) {
    var unit = snap.units[r[4]];
    return [[r[2], "fs-4 mt-1 text-break"], [unit ? unit[0] : "", "text-break"]];
  }

  // --- deciding offline ----------------------------------------------------------------------
  function sessionOf(id) {
    return (snap.sessions || []).filter(function (s) { return s.id === id; })[0];
  }
  function todayIso() {
    var now = new Date();
    return now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2) + "-" + ("0" + now.getDate()).slice(-2);
  }
  function dateConfirmed(session) {
    if (!session || session.date === todayIso()) { return true; }
    var field = document.querySelector("#code-form input[name=confirm_date]");
    return field && field.value === session.date;
  }
  function askDate(session, retry) {
    var box = panel("ask", "warning", "?", T.not_today, [[format(T.not_today_detail, {date: session.date.split("-").reverse().join("/")}), "mt-1"]]);
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "btn btn-dark mt-2";
    yes.textContent = T.yes_check_in;
    yes.addEventListener("click", function () {
      document.querySelectorAll("input[name=confirm_date]").forEach(function (f) { f.value = session.date; });
      retry();
    });
    box.append(yes);
  }
  function enqueue(item) {
    item.id = newId();
    item.event_id = EVENT_ID;
    item.session_id = SESSION_ID;
    item.at = Date.now();
    item.device = deviceName();
    queue.push(item);
    return store("queue", "readwrite", function (s) { s.put(item); }).then(render);
  }
  function checkIn(r, method, tried) {
    var session = sessionOf(SESSION_ID);
    if (!dateConfirmed(session)) {
      askDate(session, function () { checkIn(r, method, tried); });
      return false;
    }
    if (!r) {
      panel("error", "danger", "✗", T.not_registered, [[T.code + ": " + tried, "mt-1 font-monospace fw-bold"], [T.not_registered_detail, "mt-1"]]);
      return false;
    }
    var status = snap.statuses[r[5]];
    if (status !== "confirmed") {
      panel("error", "danger", "✗", T.statuses[status] || status, personLines(r));
      return false;
    }
    var earlier = attendedAt(r);
    if (earlier) {
      var box = panel("again", "info", "↺", format(T.already, {time: clock(earlier)}), personLines(r));
      box.setAttribute("data-outcome", "already");
      return true;
    }
    var item = {method: method};
    if (method === "search") { item.registration_id = r[0]; } else { item.code = r[1]; }
    enqueue(item);
    var done = panel("ok", "success", "✓", T.checked_in_offline, personLines(r).concat([[T.will_send, "small mt-1"]]));
    done.setAttribute("data-outcome", "queued");
    return true;
  }

  function byCode(text, via) {
    var tried = String(text || "").trim().slice(0, 200);
    var ok = checkIn(snap.byCode[codeOf(tried)], via === "camera" ? "qr" : "code", tried);
    if (codeInput) {
      codeInput.value = ok ? "" : tried;
      if (ok) { codeInput.focus(); } else { codeInput.select(); }
    }
  }

  function search(term) {
    var words = fold(term).split(" ").filter(Boolean);
    var code = codeOf(term);
    var found = snap.rows.filter(function (r) {
      if (code && r[1] === code) { return true; }
      if (!words.length) { return false; }
      var unit = snap.units[r[4]];
      var text = r[3] + " " + (unit ? unit[1] : "");
      return words.every(function (w) { return text.indexOf(w) !== -1; });
    });
    var confirmed = snap.statuses.indexOf("confirmed");
    found.sort(function (a, b) { return (a[5] !== confirmed) - (b[5] !== confirmed); });
    showResults(term, found.slice(0, 20));
  }
  function showResults(term, found) {
    var list = document.getElementById("search-results");
    if (!list) {
      list = document.createElement("div");
      list.id = "search-results";
      list.className = "list-group mb-3";
      document.querySelector("form[role=search]").after(list);
    }
    list.textContent = "";
    list.setAttribute("data-offline", "true");
    if (!found.length) {
      var none = document.createElement("div");
      none.className = "list-group-item text-muted";
      none.textContent = format(T.no_match, {q: term});
      list.append(none);
      return;
    }
    found.forEach(function (r) {
      var row = document.createElement("div");
      row.className = "list-group-item py-3";
      row.setAttribute("data-registration", r[0]);
      var line = document.createElement("div");
      line.className = "d-flex gap-2 align-items-center";
      var who = document.createElement("div");
      who.className = "flex-grow-1 min-w-0";
      var name = document.createElement("div");
      name.className = "fw-semibold fs-5 text-break";
      name.textContent = r[2];
      var unit = document.createElement("div");
      unit.className = "small text-break";
      unit.textContent = (snap.units[r[4]] || [""])[0];
      who.append(name, unit);
      var status = snap.statuses[r[5]];
      if (status !== "confirmed") {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-secondary";
        badge.textContent = T.statuses[status] || status;
        who.append(badge);
      }
      line.append(who);
      var at = attendedAt(r);
      if (at) {
        var tick = document.createElement("span");
        tick.className = "text-success fw-semibold text-nowrap";
        tick.textContent = "✓ " + clock(at);
        line.append(tick);
      } else {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-success btn-lg text-nowrap";
        button.textContent = T.check_in;
        button.addEventListener("click", function () {
          if (checkIn(r, "search", "")) { button.replaceWith(document.createTextNode("✓")); }
        });
        line.append(button);
      }
      row.append(line);
      list.append(row);
    });
  }

  // --- walk-ins offline ----------------------------------------------------------------------
  var walkIn = document.getElementById("offline-walk-in");
  function openWalkIn() {
    walkIn.classList.remove("d-none");
    walkIn.querySelector("input[name=full_name]").focus();
  }
  if (walkIn) {
    walkIn.querySelector("[data-cancel]").addEventListener("click", function () { walkIn.classList.add("d-none"); });
    walkIn.addEventListener("submit", function (event) {
      event.preventDefault();
      var person = {};
      var missing = false;
      walkIn.querySelectorAll("input, select").forEach(function (field) {
        if (!field.name) { return; }
        var value = field.type === "checkbox" ? field.checked : field.value.trim();
        if (field.type === "radio") { if (field.checked) { person[field.name] = value; } return; }
        person[field.name] = value;
        var bad = field.required && !value;
        field.classList.toggle("is-invalid", bad);
        field.setAttribute("aria-invalid", bad ? "true" : "false");
        if (bad && !missing) { field.focus(); missing = true; }
      });
      if (missing) { return; }
      enqueue({method: "walk_in", person: person});
      walkIn.reset();
      walkIn.classList.add("d-none");
      var done = panel("ok", "success", "✓", T.walk_in_queued, [[person.full_name, "fs-4 mt-1 text-break"], [person.organization, "text-break"], [T.will_send, "small mt-1"]]);
      done.setAttribute("data-outcome", "queued");
    });
  }

  // --- what checkin.js hands over ------------------------------------------------------------
  window.checkinOffline = {
    // Decide ``form`` here when the network is gone; false: let checkin.js post it.
    submit: function (form, force) {
      if (!snap || (online && !force)) { return false; }
      setOnline(false);
      if (form.id === "code-form") {
        byCode(form.querySelector("[name=code]").value, (form.querySelector("[name=via]") || {}).value);
        return true;
      }
      var match = /\/checkin\/(\d+)$/.exec(form.getAttribute("action") || "");
      if (match && snap.byId[match[1]]) {
        if (checkIn(snap.byId[match[1]], "search", "")) { form.replaceWith(document.createTextNode("✓")); }
        return true;
      }
      return false;
    },
    isOffline: function () { return Boolean(snap) && !online; }
  };

  var searchForm = document.querySelector("form[role=search]");
  if (searchForm) {
    searchForm.addEventListener("submit", function (event) {
      if (!snap || online) { return; }
      event.preventDefault();
      search(searchForm.querySelector("[name=q]").value);
    });
  }
  var walkInLink = document.getElementById("walk-in-link");
  if (walkInLink && walkIn) {
    walkInLink.addEventListener("click", function (event) {
      if (!snap || online) { return; }
      event.preventDefault();
      openWalkIn();
    });
  }

  // --- sync ------------------------------------------------------------------------------------
  function answered(answers) {
    var byId = {};
    answers.forEach(function (a) { if (a.id) { byId[a.id] = a; } });
    var kept = [];
    var done = [];
    var notes = [];
    queue.forEach(function (item) {
      var answer = byId[item.id];
      if (!answer) { kept.push(item); return; }
      done.push(item.id);
      if (answer.outcome !== "checked_in" && answer.outcome !== "walk_in") {
        notes.push({
          id: item.id, event_id: EVENT_ID, outcome: answer.outcome, name: answer.name,
          code: answer.code || item.code, at: answer.at || item.at, other: answer.other,
          status: answer.status, errors: answer.errors,
          person_name: item.person ? item.person.full_name : ""
        });
      }
    });
    queue = kept;
    reviewItems = reviewItems.concat(notes);
    return Promise.all([
      store("queue", "readwrite", function (s) { done.forEach(function (id) { s.delete(id); }); }),
      store("review", "readwrite", function (s) { notes.forEach(function (n) { s.put(n); }); })
    ]);
  }
  function sync() {
    if (syncing || !online || !queue.length) { return Promise.resolve(); }
    syncing = true;
    render();
    var batch = queue.slice(0, CHUNK).map(function (item) {
      var sent = {};
      Object.keys(item).forEach(function (k) { if (k !== "event_id" && k !== "device") { sent[k] = item[k]; } });
      return sent;
    });
    var device = queue[0].device;
    return fetch(SYNC_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({device: device, items: batch})
    }).then(function (response) {
      if (response.status === 400) {  // an expired CSRF token: a new snapshot brings a new one
        return takeSnapshot().then(function () { throw new Error("retry"); });
      }
      if (!response.ok || response.redirected) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      return answered(data.answers || []);
    }).then(function () {
      syncing = false;
      render();
      if (queue.length) { return sync(); }
      return takeSnapshot();
    }).catch(function () {
      syncing = false;
      render();
    });
  }
  if (banner) {
    banner.querySelector("[data-send]").addEventListener("click", function () { sync(); });
  }

  // --- start -----------------------------------------------------------------------------------
  window.addEventListener("online", function () { takeSnapshot().then(sync); });
  window.addEventListener("offline", function () { setOnline(false); });
  document.addEventListener("checkin:recorded", refreshSoon);
  window.setInterval(function () {
    if (document.hidden) { return; }
    if (queue.length) { takeSnapshot().then(sync); } else if (online) { takeSnapshot(); }
  }, REFRESH_MS);

  Promise.all([
    store("snapshots", "readonly", function (s) { return s.get(EVENT_ID); }),
    allOf("queue"),
    allOf("review")
  ]).then(function (loaded) {
    if (loaded[0] && loaded[0].format === SNAPSHOT_FORMAT && !snap) { snap = index(loaded[0]); }
    queue = (loaded[1] || []).sort(function (a, b) { return a.at - b.at; });
    reviewItems = loaded[2] || [];
    render();
    return online ? takeSnapshot().then(sync) : null;
  }).then(function () {
    var q = new URLSearchParams(location.search).get("q");
    if (q && snap && !online) { search(q); }
  });

  if ("serviceWorker" in navigator && root.getAttribute("data-sw-url")) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), {scope: root.getAttribute("data-sw-scope")})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var session = new URLSearchParams(location.search).get("session");
        var urls = [location.pathname + (session ? "?session=" + encodeURIComponent(session) : "")];
        document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=manifest]").forEach(function (el) {
          urls.push(el.src || el.href);
        });
        if (registration.active) { registration.active.postMessage({type: "cache", urls: urls}); }
      })
      .catch(function () { /* no service worker (plain http on another host): online only */ });
  }
})();
