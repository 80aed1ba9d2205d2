// Copy buttons: <button data-copy="#id-of-textarea-or-input">. Falls back to selecting the text
// (the user then copies it by hand) where the clipboard API is not allowed (plain http).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value !== undefined ? source.value : source.textContent;
    var done = function () {
      var original = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", original);
      button.textContent = button.getAttribute("data-copied") || original;
      setTimeout(function () { button.textContent = original; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { source.select(); });
    } else {
      source.focus();
      source.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* selected: copy by hand */ }
    }
  });
})();
