// Accessible names for Material's search dialog (axe-core: aria-dialog-name).
document$.subscribe(function () {
  document.querySelectorAll(".md-search[role='dialog']:not([aria-label])").forEach(function (el) {
    el.setAttribute("aria-label", "Search the site");
  });
});
