// Signing out deletes what the check-in desk kept on this device (checkin-offline.js): the
// participants' snapshot in IndexedDB and the service worker's copies of pages. Check-ins still
// waiting to be sent would be lost with it, so the staff member is asked first. (The sign-out
// response also sends Clear-Site-Data, for browsers where this script does not run.)
(function () {
  "use strict";
  var form = document.getElementById("logout-form");
  if (!form || !window.indexedDB) { return; }
  var DB_NAME = "trainingapp-checkin";

  function waiting() {
    return new Promise(function (resolve) {
      var request = indexedDB.open(DB_NAME);
      request.onupgradeneeded = function () { request.transaction.abort(); resolve(0); };
      request.onerror = function () { resolve(0); };
      request.onsuccess = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("queue")) { db.close(); resolve(0); return; }
        var count = db.transaction("queue").objectStore("queue").count();
        count.onsuccess = function () { db.close(); resolve(count.result); };
        count.onerror = function () { db.close(); resolve(0); };
      };
    });
  }

  function forget() {
    var jobs = [new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    })];
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("trainingapp-checkin-") === 0;
        }).map(function (name) { return caches.delete(name); }));
      }).catch(function () {}));
    }
    return Promise.all(jobs);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    waiting().then(function (count) {
      var question = form.getAttribute("data-unsent-question") || "";
      if (count && !window.confirm(question.replace("%(count)s", count))) { return; }
      return forget().then(function () { form.submit(); });
    });
  });
})();
