// Accessible names for Material's search dialog (axe-core: aria-dialog-name), and keyboard access to
// the notebook code cells that scroll sideways (axe-core: scrollable-region-focusable).
document$.subscribe(function () {
  document.querySelectorAll(".jp-Cell .highlight-ipynb, .jp-Cell .CodeMirror, .jp-OutputArea-output pre").forEach(function (el) {
    if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
  });
  document.querySelectorAll(".md-search[role='dialog']:not([aria-label])").forEach(function (el) {
    el.setAttribute("aria-label", "Search the site");
  });
});
