/* Names for the inputs that Django's autocomplete widget (select2) draws without one.
 *
 * A multiple choice draws a search box inside the list of chosen items; it gets
 * the name of the field's label. Loaded as a static file with the widget.
 */
(function () {
  "use strict";

  function labelSearchBoxes() {
    document.querySelectorAll("select.admin-autocomplete[multiple]").forEach(function (select) {
      var container = select.nextElementSibling;
      var box = container && container.querySelector(".select2-search__field");
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      if (box && !box.hasAttribute("aria-label")) {
        var name = label ? label.textContent.trim().replace(/:$/, "") : "Search";
        box.setAttribute("aria-label", "Find " + name.toLowerCase());
      }
    });
  }

  // After autocomplete.js has drawn the widgets: it does so in a jQuery ready
  // handler, registered before this one, and jQuery runs them in that order.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.django && window.django.jQuery) {
      window.django.jQuery(labelSearchBoxes);
    } else {
      labelSearchBoxes();
    }
  });
  document.addEventListener("formset:added", function () {
    window.setTimeout(labelSearchBoxes, 0);
  });
})();
