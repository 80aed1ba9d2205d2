// Filter the options of a <select> as the user types, ignoring case and Vietnamese accents.
// Usage: <input type="search" data-filter-select="<id of the select>">
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase();
  }
  document.querySelectorAll("[data-filter-select]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) { return; }
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      Array.prototype.forEach.call(select.options, function (option) {
        var match = !wanted || option.value === "" || option.selected || fold(option.text).indexOf(wanted) !== -1;
        option.hidden = !match;
      });
    });
  });
})();
