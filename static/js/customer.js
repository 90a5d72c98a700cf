/* Customer step: show the company fields for companies and the shipping address when it differs. */
(function () {
  "use strict";
  var form = document.getElementById("customer-form");
  if (!form) { return; }
  var company = document.getElementById("company-fields");
  var shipping = document.getElementById("shipping-fields");
  var same = document.getElementById("f-shipping-same");

  function kind() {
    var checked = form.querySelector('input[name="customer.kind"]:checked');
    return checked ? checked.value : "individual";
  }
  function update() {
    if (company) { company.classList.toggle("hidden", kind() !== "company"); }
    if (shipping && same) { shipping.classList.toggle("hidden", same.checked); }
  }
  form.querySelectorAll('input[name="customer.kind"]').forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  if (same) { same.addEventListener("change", update); }
  update();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
