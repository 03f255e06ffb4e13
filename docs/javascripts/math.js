// Renders the TeX that pymdownx.arithmatex (generic mode) leaves in .arithmatex elements,
// with the KaTeX copy vendored under assets/vendor/katex. Runs on every instant-navigation page.
(function () {
  "use strict";
  var macros = {
    "\\KL": "\\mathbb{D}_{\\mathrm{KL}}",
    "\\E": "\\mathbb{E}",
    "\\piref": "\\pi_{\\mathrm{ref}}",
    "\\pitheta": "\\pi_{\\theta}"
  };
  function render(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      renderMathInElement(el, {
        delimiters: [
          { left: "\\(", right: "\\)", display: false },
          { left: "\\[", right: "\\]", display: true }
        ],
        macros: macros,
        throwOnError: false
      });
    });
  }
  document$.subscribe(function () { render(document.body); });
})();
