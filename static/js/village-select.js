// The village list follows the town choice. Without JavaScript every village stays listed,
// and the server still refuses a village outside the chosen town.
(function () {
  "use strict";
  document.querySelectorAll("select.js-village, select[name$='village']").forEach(function (village) {
    var town = village.form && village.form.querySelector("select[name$='town']");
    if (!town) { return; }
    function follow() {
      var chosen = town.value;
      Array.prototype.forEach.call(village.options, function (option) {
        var belongs = !option.value || !chosen || option.getAttribute("data-town") === chosen;
        option.hidden = !belongs;
        option.disabled = !belongs;
      });
      var current = village.options[village.selectedIndex];
      if (current && current.disabled) { village.value = ""; }
    }
    town.addEventListener("change", follow);
    follow();
  });
})();
