/*
 * Keyboard shortcuts for the moderation pages (progressive enhancement: every action is
 * also a plain button, and the page works without this file).
 *
 * Any element with data-shortcut="x" is clicked when "x" is pressed; digits 1–9 choose
 * the policy reason with that number. Keys are ignored while typing in a field or with a
 * modifier held, so they never steal input. "r", "c" and "u" need a reason: without one
 * the reason list is focused and the status line says why.
 */
(function () {
  "use strict";

  var NEEDS_REASON = { r: true, c: true, u: true };

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function say(text) {
    var status = document.getElementById("shortcut-status");
    if (status) status.textContent = text;
  }

  function chooseReason(number) {
    var select = document.getElementById("id_reason");
    if (!select) return false;
    var option = select.querySelector('option[data-key="' + number + '"]');
    if (!option) return false;
    select.value = option.value;
    say("Reason: " + option.textContent);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target)) return;
    var key = event.key;
    if (/^[1-9]$/.test(key)) {
      if (chooseReason(key)) event.preventDefault();
      return;
    }
    var button = document.querySelector('[data-shortcut="' + key + '"]');
    if (!button) return;
    event.preventDefault();
    if (NEEDS_REASON[key]) {
      var select = document.getElementById("id_reason");
      if (select && !select.value) {
        say("Choose a policy reason first: press its number, or pick it from the list.");
        select.focus();
        return;
      }
    }
    button.click();
  });
})();
