/* Document uploads: drag and drop, a preview, a progress bar, and the server's message per file.
   Without this script each card is a plain form that sends one file and comes back. */
(function () {
  "use strict";
  var ACCEPTED = /^(image\/|application\/pdf$)/;

  function setup(card) {
    var form = card.querySelector("form.upload-form");
    if (!form) { return; }
    var kind = card.getAttribute("data-kind");
    var inputs = form.querySelectorAll('input[type="file"]');
    var status = document.getElementById("upload-" + kind + "-status");
    var preview = document.getElementById("upload-" + kind + "-preview");
    var progress = document.getElementById("upload-" + kind + "-progress");
    var button = form.querySelector(".upload-submit");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
    var previewUrl = null;

    function notice(level, message, advice) {
      status.textContent = "";
      var box = document.createElement("div");
      box.className = "notice notice--" + level;
      box.setAttribute("role", level === "error" ? "alert" : "status");
      var p = document.createElement("p");
      p.textContent = message;
      box.appendChild(p);
      if (advice && advice.length) {
        var list = document.createElement("ul");
        list.className = "quality";
        advice.forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line;
          list.appendChild(item);
        });
        box.appendChild(list);
      }
      status.appendChild(box);
      card.classList.toggle("upload--problem", level === "error");
      card.classList.toggle("upload--done", level !== "error");
    }

    function showPreview(file) {
      if (previewUrl) { URL.revokeObjectURL(previewUrl); previewUrl = null; }
      if (file.type.indexOf("image/") === 0 && file.type !== "image/heic") {
        previewUrl = URL.createObjectURL(file);
        preview.src = previewUrl;
        preview.classList.remove("hidden");
      } else {
        preview.classList.add("hidden");
      }
    }

    function send(file) {
      if (file.size > maxBytes) { notice("error", form.getAttribute("data-msg-too-large")); return; }
      if (file.type && !ACCEPTED.test(file.type)) { notice("error", form.getAttribute("data-msg-type")); return; }
      showPreview(file);
      var data = new FormData();
      data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
      data.append("file", file, file.name || "document");
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      progress.value = 0;
      progress.classList.remove("hidden");
      button.disabled = true;
      status.textContent = form.getAttribute("data-msg-sending");
      request.upload.onprogress = function (event) {
        if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
      };
      request.onload = function () {
        progress.classList.add("hidden");
        button.disabled = false;
        var body = null;
        try { body = JSON.parse(request.responseText); } catch (e) { body = null; }
        if (!body) { notice("error", form.getAttribute("data-msg-network")); return; }
        if (body.redirect) { window.location.assign(body.redirect); return; }
        notice(body.level || (body.ok ? "success" : "error"), body.message, body.advice);
        if (body.ok && body.reload) { window.location.reload(); return; }
        if (body.ok) {
          button.textContent = button.getAttribute("data-replace") || button.textContent;
          document.dispatchEvent(new CustomEvent("coc:uploaded", { detail: body }));
        }
        inputs.forEach(function (input) { input.value = ""; });
      };
      request.onerror = function () {
        progress.classList.add("hidden");
        button.disabled = false;
        notice("error", form.getAttribute("data-msg-network"));
      };
      request.send(data);
    }

    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.files && input.files[0]) { send(input.files[0]); }
      });
    });
    form.addEventListener("submit", function (event) {
      var chosen = null;
      inputs.forEach(function (input) { if (!chosen && input.files && input.files[0]) { chosen = input.files[0]; } });
      if (chosen) { event.preventDefault(); send(chosen); }
    });
    ["dragenter", "dragover"].forEach(function (name) {
      card.addEventListener(name, function (event) {
        event.preventDefault();
        card.classList.add("is-dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      card.addEventListener(name, function (event) {
        event.preventDefault();
        card.classList.remove("is-dragover");
      });
    });
    card.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files[0]) { send(files[0]); }
    });
  }

  document.querySelectorAll("section.upload").forEach(setup);
})();
