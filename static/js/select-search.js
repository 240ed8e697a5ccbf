// Searchable selects: every <select data-search> becomes a Tom Select (static/vendor/tom-select/), a box to type a
// few characters of a name into, then arrows and Enter (or a tap) to pick; Backspace or × takes a choice out again.
// The select underneath keeps the choices, so the form posts as before; without JavaScript it stays a plain select.
// Tom Select sets only element.style from this script file, which the policy's style-src 'self' allows.
(function () {
  "use strict";
  if (typeof TomSelect === "undefined") { return; }

  function escape(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function searchable(select) {
    if (select.tomselect) { return; }
    var empty = select.getAttribute("data-search-empty") || "—";
    var settings = {
      create: false,
      maxOptions: null,
      // Every word typed must be found, in any order: "张 教育" finds 张三（教育界）.
      searchConjunction: "and",
      hidePlaceholder: true,
      closeAfterSelect: !select.multiple,
      // Several choices: what was typed goes once chosen, so the next name can be typed straight away.
      clearAfterSelect: true,
      placeholder: select.getAttribute("data-search-placeholder") || "",
      render: {
        no_results: function () { return '<div class="no-results">' + escape(empty) + "</div>"; }
      }
    };
    if (select.multiple) {
      settings.plugins = { remove_button: { title: select.getAttribute("data-search-remove") || "×" } };
    }
    new TomSelect(select, settings);
    // Tom Select points the field's <label for> at its own box; the select underneath, which still carries the
    // choices, keeps the label's name through aria-labelledby (#18: axe's select-name).
    var label = document.getElementById(select.id + "-ts-label");
    if (label) { select.setAttribute("aria-labelledby", label.id); }
  }

  document.querySelectorAll("select[data-search]").forEach(searchable);
})();
