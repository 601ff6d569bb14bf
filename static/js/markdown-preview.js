/* Live preview of an article body on the admin change form.
 *
 * The server renders the Markdown with the same code and sanitiser used on
 * save (articles/markdown.py), so the preview is exactly what readers get.
 * Loaded as a static file: the admin's CSP allows no inline script.
 */
(function () {
  "use strict";

  var DELAY_MS = 300;

  function escapeAttribute(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  // The published story's markup around the body (jinja2/articles/_story_body.html),
  // so the reader stylesheet styles it as on the public page.
  function frameDocument(stylesheet, html) {
    return '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
      '<link rel="stylesheet" href="' + escapeAttribute(stylesheet) + '"></head>' +
      '<body><main class="page"><article class="story">' +
      '<div class="story__body prose">' + html + "</div></article></main></body></html>";
  }

  function setUp(editor) {
    var textarea = editor.querySelector("textarea");
    var panel = editor.querySelector(".markdown-preview");
    var frame = editor.querySelector(".markdown-preview__frame");
    var token = textarea && textarea.form &&
      textarea.form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!textarea || !panel || !frame || !token) {
      return;
    }
    var timer = null;
    var latest = 0;

    function fit() {
      var body = frame.contentDocument && frame.contentDocument.querySelector(".prose");
      if (body) {
        frame.style.height = Math.ceil(body.offsetTop + body.offsetHeight + 24) + "px";
      }
    }
    frame.addEventListener("load", fit);

    function show(html, failed) {
      // Sanitised by the server (nh3 allowlist); the frame runs no script.
      frame.srcdoc = frameDocument(editor.dataset.stylesheet, html);
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
