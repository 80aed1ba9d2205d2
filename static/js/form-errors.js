// After a form comes back with errors, put the focus on the first invalid field, so a keyboard
// or screen-reader user lands on what needs fixing (its message is read via aria-describedby).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (document.activeElement && document.activeElement !== document.body) { return; }
    var first = document.querySelector("form [aria-invalid=true]");
    if (first && typeof first.focus === "function") { first.focus(); }
  });
})();
