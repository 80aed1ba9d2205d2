// Service worker of the check-in desk (served as /manage/checkin-sw.js, scope /manage/).
//
// It keeps what the check-in page needs to open without the network: the page itself (network
// first, with a short timeout, then the copy from the last visit) and its scripts, styles and
// icons (served from the cache, refreshed in the background). It never stores the snapshot of
// registrants (the page keeps that in IndexedDB) nor any other staff page. The page asks it to
// cache its own address and assets once it is controlled ("cache"), and to drop everything on
// sign-out ("clear").
"use strict";

var CACHE = "trainingapp-checkin-v1";
var NETWORK_TIMEOUT_MS = 4000;
var CHECKIN_PAGE = /^\/manage\/events\/\d+\/checkin$/;
var ASSET = /^\/(static|bootstrap)\/|\/checkin\/manifest\.webmanifest$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("trainingapp-checkin-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// The check-in page of a session is kept under its address without the search term: a search
// result page holds phone numbers and is not worth keeping.
function pageKey(url) {
  var key = new URL(url.pathname, url.origin);
  var session = url.searchParams.get("session");
  if (session) { key.searchParams.set("session", session); }
  return key.href;
}

function put(key, response) {
  if (!response || !response.ok || response.type !== "basic") { return Promise.resolve(); }
  return caches.open(CACHE).then(function (cache) { return cache.put(key, response); });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "cache" && Array.isArray(data.urls)) {
    event.waitUntil(Promise.all(data.urls.map(function (href) {
      var url = new URL(href, self.location.origin);
      if (url.origin !== self.location.origin) { return null; }
      var key = CHECKIN_PAGE.test(url.pathname) ? pageKey(url) : url.href;
      return fetch(url.href, {credentials: "same-origin"})
        .then(function (response) { return put(key, response); })
        .catch(function () { /* offline already: keep what is there */ });
    })));
  } else if (data.type === "clear") {
    event.waitUntil(caches.delete(CACHE));
  }
});

function timeout(ms) {
  return new Promise(function (resolve, reject) {
    setTimeout(function () { reject(new Error("timeout")); }, ms);
  });
}

function fromCache(request, key) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(key).then(function (hit) {
      // Another session of the same course will do: the page switches session itself.
      return hit || cache.match(request, {ignoreSearch: true});
    });
  });
}

function checkinPage(event, url) {
  var key = pageKey(url);
  var network = fetch(event.request).then(function (response) {
    if (response.ok && !response.redirected && !url.searchParams.has("q")) {
      event.waitUntil(put(key, response.clone()));
    }
    return response;
  });
  return Promise.race([network, timeout(NETWORK_TIMEOUT_MS)]).catch(function () {
    return fromCache(event.request, key).then(function (hit) {
      return hit || network;
    });
  });
}

function asset(event) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(event.request).then(function (hit) {
      var network = fetch(event.request).then(function (response) {
        return put(event.request, response.clone()).then(function () { return response; });
      });
      if (hit) {
        event.waitUntil(network.catch(function () {}));
        return hit;
      }
      return network;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && CHECKIN_PAGE.test(url.pathname)) {
    event.respondWith(checkinPage(event, url));
  } else if (ASSET.test(url.pathname)) {
    event.respondWith(asset(event));
  }
});
