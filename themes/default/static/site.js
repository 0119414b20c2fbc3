// tally: small page behaviours. The pages work without it.
(function () {
  "use strict";
  var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
  // One download menu open at a time.
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) return;
      menus.forEach(function (other) { if (other !== menu) other.open = false; });
    });
  });
  // Close on a click elsewhere or on Escape, returning focus to the button.
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
})();
