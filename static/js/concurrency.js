/* Presence and autosave on an admin change form (aiblogger/concurrency.py).
 *
 * Every few seconds the form says "I am here" (the server answers who else is);
 * every 30 s, if the form's content changed, it is stored as the editor's
 * private autosave. The version check on save protects the data without this
 * script; it only adds warnings and a safety copy. A static file: the admin's
 * CSP allows no inline script.
 */
(function () {
  "use strict";

  var box = document.querySelector(".concurrency[data-presence-url]");
  var form = box && box.closest("form");
  var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!box || !form || !token) {
    return;
  }
  var presence = box.querySelector(".concurrency-presence");
  var status = box.querySelector(".concurrency-autosave-status");
  var lastSaved = null;

  function post(url, body) {
    body.append("csrfmiddlewaretoken", token.value);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    });
  }

  function content() {
    var data = new FormData();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken") {
        data.append(name, value); // files are not autosaved
      }
    });
    return data;
  }

  function key(data) {
    return new URLSearchParams(data).toString();
  }

  function showOthers(others) {
    presence.replaceChildren();
    others.forEach(function (other) {
      var item = document.createElement("li");
      item.className = "warning";
      item.textContent = other.name + " is editing this since " + other.since + ".";
      presence.appendChild(item);
    });
  }

  function heartbeat() {
    post(box.dataset.presenceUrl, new FormData()).then(function (answer) {
      if (answer) {
        showOthers(answer.others);
      }
    }).catch(function () {});
  }

  function autosave() {
    var data = content();
    var now = key(data);
    if (now === lastSaved) {
      return;
    }
    post(box.dataset.autosaveUrl, data).then(function (answer) {
      if (answer) {
        lastSaved = now;
        status.textContent = "Autosaved at " + answer.saved_at + " (only you can see it).";
      }
    }).catch(function () {});
  }

  lastSaved = key(content()); // nothing typed yet: nothing to keep
  // The page itself recorded this editor and listed the others when it was served.
  window.setInterval(heartbeat, Number(box.dataset.presenceSeconds) * 1000);
  window.setInterval(autosave, Number(box.dataset.autosaveSeconds) * 1000);
  var saving = false;
  form.addEventListener("submit", function () {
    saving = true; // the save itself ends this editor's presence, on the server
  });
  window.addEventListener("pagehide", function () {
    if (saving) {
      return;
    }
    var data = new FormData();
    data.append("leave", "1");
    data.append("csrfmiddlewaretoken", token.value);
    navigator.sendBeacon(box.dataset.presenceUrl, data);
  });
})();
