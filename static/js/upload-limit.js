// Refuse an image over the upload limit as soon as it is chosen, before the
// form is sent: Nginx would answer a body over its limit with an error page
// and the editor would lose the whole form. The server checks again anyway.
// File inputs opt in with data-max-bytes (aiblogger/uploads.py).
"use strict";

(function () {
  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
  }

  function messageFor(input) {
    var id = input.id + "-size-error";
    var note = document.getElementById(id);
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "errornote upload-limit-error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
      input.setAttribute("aria-describedby", id);
    }
    return note;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var limit = Number(input.dataset.maxBytes);
    if (!limit) return;
    var file = input.files && input.files[0];
    var note = document.getElementById(input.id + "-size-error");
    if (file && file.size > limit) {
      note = messageFor(input);
      note.textContent =
        "“" + file.name + "” is " + megabytes(file.size) + "; images may be up to " +
        megabytes(limit) + ". Choose a smaller image: nothing was uploaded.";
      input.value = "";  // the oversized file is never sent
    } else if (note) {
      input.removeAttribute("aria-describedby");
      note.remove();
    }
  });
})();
