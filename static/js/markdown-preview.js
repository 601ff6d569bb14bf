/* Live preview of an article body on the admin change form.
 *
 * The server renders the Markdown with the same code and sanitiser used on
 * save (articles/markdown.py), so the preview is exactly what readers get.
 * Loaded as a static file: the admin's CSP allows no inline script.
 */
(function () {
  "use strict";

  var DELAY_MS = 300;

  function setUp(editor) {
    var textarea = editor.querySelector("textarea");
    var panel = editor.querySelector(".markdown-preview");
    var output = editor.querySelector(".markdown-preview__body");
    var token = textarea && textarea.form &&
      textarea.form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!textarea || !panel || !output || !token) {
      return;
    }
    var timer = null;
    var latest = 0;

    function show(html, failed) {
      output.innerHTML = html; // sanitised by the server (nh3 allowlist)
      panel.classList.toggle("markdown-preview--failed", failed);
      panel.hidden = false;
    }

    function refresh() {
      var request = ++latest;
      var data = new FormData();
      data.append("body", textarea.value);
      fetch(editor.dataset.previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value },
      })
        .then(function (response) {
          return response.json().then(function (json) {
            if (!response.ok) {
              throw new Error(json.error || "The preview is unavailable.");
            }
            return json;
          });
        })
        .then(function (json) {
          if (request === latest) {
            show(json.html, false);
          }
        })
        .catch(function (error) {
          if (request === latest) {
            var message = document.createElement("p");
            message.textContent = error.message + " Use the link below instead.";
            show(message.outerHTML, true);
          }
        });
    }

    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    });
    refresh();
  }

  function start() {
    document.querySelectorAll(".markdown-editor[data-preview-url]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
