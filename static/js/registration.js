// Registration form: organization suggestions (accent-insensitive, from the server) and one submit.
(function () {
  "use strict";
  var form = document.querySelector("form.registration-form");
  if (!form) { return; }
  var input = form.querySelector("#organization");
  var list = document.getElementById("organization-suggestions");
  var url = form.getAttribute("data-suggest-url");
  var timer = null;
  var last = "";

  function fill(names) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });
  }

  if (input && list && url && window.fetch) {
    input.addEventListener("input", function () {
      var term = input.value.trim();
      clearTimeout(timer);
      if (term.length < 2 || term === last) { return; }
      timer = setTimeout(function () {
        last = term;
        fetch(url + "?q=" + encodeURIComponent(term), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(fill)
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  }

  // A second tap while the first submit is on its way would only produce a "duplicate" page.
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[data-once]");
    if (button) {
      setTimeout(function () { button.disabled = true; }, 0);
      setTimeout(function () { button.disabled = false; }, 8000);
    }
  });
})();
