// Renders ```mermaid fences (emitted as <div class="diagram">) with the vendored mermaid build.
// The 3.5 MB script is fetched only on pages that hold a diagram, and never from a CDN.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src.replace(/javascripts\/diagrams\.js.*$/, "") : "";
  var loading = null;
  function load() {
    if (window.mermaid) return Promise.resolve(window.mermaid);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base + "assets/vendor/mermaid/mermaid.min.js";
        s.onload = function () { resolve(window.mermaid); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loading;
  }
  function dark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }
  var counter = 0;
  function render() {
    var nodes = Array.prototype.slice.call(document.querySelectorAll("div.diagram:not([data-rendered])"));
    if (!nodes.length) return;
    load().then(function (mermaid) {
      mermaid.initialize({ startOnLoad: false, securityLevel: "loose", theme: dark() ? "dark" : "default", flowchart: { useMaxWidth: false } });
      nodes.forEach(function (el) {
        var source = el.getAttribute("data-source") || el.textContent;
        el.setAttribute("data-source", source);
        el.setAttribute("data-rendered", "pending");
        var id = "diagram-" + (counter++);
        mermaid.render(id, source).then(function (out) {
          el.innerHTML = out.svg;
          if (out.bindFunctions) out.bindFunctions(el);
          el.setAttribute("data-rendered", "true");
        }, function (err) {
          el.setAttribute("data-rendered", "error");
          console.error("mermaid: " + err);
        });
      });
    });
  }
  // Re-render with the other theme when the reader flips the palette.
  new MutationObserver(function () {
    document.querySelectorAll("div.diagram[data-rendered]").forEach(function (el) {
      el.textContent = el.getAttribute("data-source");
      el.removeAttribute("data-rendered");
    });
    render();
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  document$.subscribe(render);
})();
