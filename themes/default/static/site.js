// tally: small page behaviours. The pages work without it.
(function () {
  "use strict";
  var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
  // The download menus are disclosures (<details>): one open at a time.
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) return;
      menus.forEach(function (other) { if (other !== menu) other.open = false; });
    });
    // Tabbing out of an open menu closes it, so it never covers what
    // focus moved to.
    menu.addEventListener("focusout", function (event) {
      if (menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
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

  // A printed page says where it came from: its address, with the view
  // and months in its hash (the print stylesheet shows it in the header).
  var url = document.querySelector("[data-page-url]");
  function showUrl() { if (url) url.textContent = window.location.href; }
  showUrl();
  window.addEventListener("hashchange", showUrl);
  window.addEventListener("popstate", showUrl);
  window.addEventListener("beforeprint", showUrl);
})();
