// The recovery codes page's Print button: shown only when JavaScript runs (the page's CSP
// allows no inline script, so it lives here). Without it, the browser's own Print works.
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
