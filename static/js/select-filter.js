// Filter the options of a <select> as the user types, ignoring case, Vietnamese accents and
// punctuation: every typed word must occur in the option, in any order ("van hoa the thao"
// finds "Phòng Văn hóa, Thể thao và Du lịch"), as the server's search does.
// Usage: <input type="search" data-filter-select="<id of the select>">
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase();
  }
  function words(text) {
    return fold(text).split(/[^a-z0-9]+/).filter(Boolean);
  }
  document.querySelectorAll("[data-filter-select]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) { return; }
    input.addEventListener("input", function () {
      var wanted = words(input.value);
      Array.prototype.forEach.call(select.options, function (option) {
        var text = " " + words(option.text).join(" ");
        var match = !wanted.length || option.value === "" || option.selected ||
          wanted.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
      });
    });
  });
})();
