// Keyboard shortcuts of the flag page: each key names a control by its data-key attribute.
// Keys typed into a field are text, not shortcuts.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  var next = document.getElementById("then-next");
  if (next) {
    next.addEventListener("change", function () {
      document.querySelectorAll('input[name="then"]').forEach(function (input) {
        input.value = next.checked ? "next" : "";
      });
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var control = document.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
    if (!control) return;
    event.preventDefault();
    if (event.key.toLowerCase() === "d") {
      // A dismissal needs a reason: without one, the key takes the editor to the list.
      var reason = document.getElementById("dismiss_reason");
      if (reason && !reason.value) { reason.focus(); return; }
    }
    if (control.tagName === "SUMMARY") {
      control.parentElement.open = true;
      var first = control.parentElement.querySelector("select, textarea");
      if (first) first.focus();
      return;
    }
    control.click();
  });
})();
