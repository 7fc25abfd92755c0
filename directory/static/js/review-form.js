// "Add a complication" in one click: clone the formset's empty row from its <template>
// instead of sending the form back to the server. Without JavaScript the same button is a
// submit button and the server re-renders the form with one more row.
(function () {
  "use strict";

  function init(section) {
    var prefix = section.getAttribute("data-prefix");
    var max = parseInt(section.getAttribute("data-max"), 10);
    var total = section.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var rows = section.querySelector("[data-complication-rows]");
    var template = section.querySelector("template[data-complication-template]");
    var button = section.querySelector("[data-add-complication]");
    if (!total || !rows || !template || !button) {
      return;
    }
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    section.appendChild(status);

    function update() {
      var count = parseInt(total.value, 10) || 0;
      button.hidden = count >= max;
    }

    button.textContent = "Add a complication";
    button.setAttribute("type", "button");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      if (index >= max) {
        return;
      }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.querySelector("[data-complication-row]");
      var number = row.querySelector("[data-row-number]");
      if (number) {
        number.textContent = String(index + 1);
      }
      rows.appendChild(row);
      total.value = String(index + 1);
      update();
      status.textContent = "Complication " + (index + 1) + " added.";
      var first = row.querySelector("select, input");
      if (first) {
        first.focus();
      }
    });
    update();
  }

  function start() {
    var sections = document.querySelectorAll("[data-complications]");
    for (var i = 0; i < sections.length; i += 1) {
      init(sections[i]);
    }
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
