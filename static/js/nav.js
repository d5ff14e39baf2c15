// The navigation: a "Menu" button folds it away on narrow screens; Escape closes an open menu and
// gives the focus back to what opened it; one dropdown open at a time.
(function () {
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-nav-toggle]");
    var menu = document.getElementById("nav-menu");
    function setMenu(open) {
      if (!toggle || !menu) return;
      menu.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
    }
    if (toggle && menu) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () { setMenu(!menu.classList.contains("open")); });
    }
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var open = document.querySelector("details.dropdown[open]");
      if (open) {
        open.removeAttribute("open");
        open.querySelector("summary").focus();
      } else if (menu && menu.classList.contains("open")) {
        setMenu(false);
        toggle.focus();
      }
    });
    document.addEventListener("click", function (event) {
      var inside = event.target.closest ? event.target.closest("details.dropdown") : null;
      document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
        if (d !== inside) d.removeAttribute("open");
      });
    });
  });
})();
