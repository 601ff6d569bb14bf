/* A change list on a phone shows its filters above the rows (static/css/admin.css),
 * each folded to its heading unless it is in use or the editor opened it before
 * (Django's filters.js remembers that), so the rows start near the top too.
 */
(function () {
  "use strict";

  if (!window.matchMedia("(max-width: 767px)").matches) {
    return;
  }
  var remembered = {};
  try {
    remembered = JSON.parse(window.sessionStorage.getItem("django.admin.filtersState")) || {};
  } catch (error) {
    remembered = {};
  }
  document.querySelectorAll("#changelist-filter details[data-filter-title]").forEach(function (filter) {
    var choices = filter.querySelectorAll("li");
    var inUse = choices.length > 0 && !choices[0].classList.contains("selected");
    if (!inUse && !(filter.dataset.filterTitle in remembered)) {
      filter.removeAttribute("open");
    }
  });
})();
