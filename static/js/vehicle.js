/* Vehicle step: immediate VIN feedback, the chosen make's price, lead time and extra fields. */
(function () {
  "use strict";
  var form = document.getElementById("vehicle-form");
  if (!form) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var vin = document.getElementById("f-vehicle-vin");
  var feedback = document.getElementById("vin-feedback");
  var make = document.getElementById("f-vehicle-make");
  var details = document.getElementById("offer-details");
  var extra = document.getElementById("extra-fields");
  var offers = JSON.parse(extra.getAttribute("data-offers") || "{}");
  var timer = null;
  var lastAsked = "";

  function say(text, ok) {
    feedback.textContent = text || "";
    feedback.className = "live-feedback" + (text ? (ok ? " live-feedback--ok" : " live-feedback--error") : "");
  }

  function askVin() {
    var value = vin.value.trim();
    if (value === lastAsked) { return; }
    lastAsked = value;
    if (!value) { say("", true); return; }
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("data-vin-url"));
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200 || vin.value.trim() !== value) { return; }
      var body = JSON.parse(request.responseText);
      say(body.message, body.ok);
      // propose the make the VIN stands for, without overriding a choice already made
      if (body.ok && body.offer && !make.value) {
        make.value = body.offer.make;
        showOffer();
      }
    };
    request.send(JSON.stringify({ vin: value }));
  }

  function showOffer() {
    var offer = offers[make.value];
    var kept = {};
    extra.querySelectorAll("input").forEach(function (input) { kept[input.name] = input.value; });
    extra.textContent = "";
    if (!offer) { details.classList.add("hidden"); details.textContent = ""; return; }
    details.classList.remove("hidden");
    details.textContent = offer.make + " : " + offer.price + " · " +
      details.getAttribute("data-lead").replace("{n}", offer.lead_time_days);
    if (offer.extra.length) {
      var intro = document.createElement("p");
      intro.className = "hint";
      intro.textContent = extra.getAttribute("data-required-label");
      extra.appendChild(intro);
    }
    offer.extra.forEach(function (spec) {
      var name = "vehicle.extra." + spec.name;
      var id = "f-vehicle-extra-" + spec.name.replace(/_/g, "-");
      var wrap = document.createElement("div");
      wrap.className = "field";
      var label = document.createElement("label");
      label.setAttribute("for", id);
      label.textContent = spec.label + " *";
      var input = document.createElement("input");
      input.type = "text"; input.id = id; input.name = name; input.required = true;
      input.value = kept[name] || "";
      wrap.appendChild(label); wrap.appendChild(input);
      extra.appendChild(wrap);
    });
  }

  vin.classList.add("input--vin");
  vin.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(askVin, 350);
  });
  vin.addEventListener("blur", askVin);
  make.addEventListener("change", showOffer);
  if (vin.value) { askVin(); }
  if (make.value && !extra.querySelector("input")) { showOffer(); }
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
