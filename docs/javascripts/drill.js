// Drill mode, self-grading and the progress page.
//
// Everything is kept in this browser's localStorage — no server, no tracking. Without JavaScript the
// pages simply show their answers: all hiding happens here. Runs on the first load and after every
// instant navigation (document$). The build (tools/exports.py) leaves on each question page an empty
// <div class="grill-drill" data-question=… data-next=…> and on the progress page the list of questions.
(function () {
  "use strict";

  // --- Storage ------------------------------------------------------------------------------------
  var root = (function () {
    try {
      var config = JSON.parse(document.getElementById("__config").textContent);
      return new URL(config.base.replace(/\/?$/, "/"), location.href);
    } catch (e) {
      return new URL("/", location.href);
    }
  })();
  var KEY_DRILL = root.pathname + ":grill:drill";
  var KEY_MARKS = root.pathname + ":grill:marks";
  var STATUSES = { cold: "I answered this cold", notyet: "Not yet" };
  var FORMAT = "post-training-grill-progress";

  function read(key, fallback) {
    try {
      var v = localStorage.getItem(key);
      return v === null ? fallback : JSON.parse(v);
    } catch (e) {
      return fallback;
    }
  }
  function write(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage full or disabled: the page still works, nothing is kept */ }
  }
  function drillOn() { return read(KEY_DRILL, false) === true; }
  function marks() {
    var m = read(KEY_MARKS, null);
    return m && typeof m === "object" && m.marks && typeof m.marks === "object" ? m.marks : {};
  }
  function saveMarks(m) { write(KEY_MARKS, Object.keys(m).length ? { version: 1, marks: m } : null); }
  function setMark(id, status) {
    var m = marks();
    if (status) m[id] = { status: status, date: new Date().toISOString() };
    else delete m[id];
    saveMarks(m);
  }
  function count(m, status, ids) {
    return (ids || Object.keys(m)).filter(function (id) { return m[id] && m[id].status === status; }).length;
  }
  // Keep only well-formed marks ({id: {status: "cold"|"notyet", date}}) for ids 1..total.
  function cleanMarks(input, total) {
    var out = {};
    if (!input || typeof input !== "object") return out;
    Object.keys(input).forEach(function (id) {
      var v = input[id];
      var n = Number(id);
      var status = v && typeof v === "object" ? v.status : v;
      if (Number.isInteger(n) && n >= 1 && n <= total && STATUSES.hasOwnProperty(status)) {
        out[String(n)] = { status: status, date: v && typeof v.date === "string" ? v.date : new Date().toISOString() };
      }
    });
    return out;
  }

  // --- Small DOM helpers ----------------------------------------------------------------------------
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") el.textContent = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined) el.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { el.append(c); });
    return el;
  }
  function button(label, cls) {
    return h("button", { type: "button", class: "grill-btn" + (cls ? " " + cls : ""), text: label });
  }
  function kbd(key) { return h("kbd", { text: key }); }

  var views = [];  // what refresh() re-renders: the current page's drill and grading controls
  function refresh() {
    views = views.filter(function (v) { return document.body.contains(v.node); });
    views.forEach(function (v) { v.render(); });
  }

  function drillToggle() {
    var b = button("Drill mode", "grill-drill-toggle");
    b.addEventListener("click", function () {
      write(KEY_DRILL, !drillOn());
      refresh();
    });
    views.push({
      node: b,
      render: function () {
        var on = drillOn();
        b.setAttribute("aria-pressed", String(on));
        b.textContent = on ? "Drill mode: on" : "Drill mode: off";
      }
    });
    return b;
  }

  // --- Question pages -------------------------------------------------------------------------------
  var question = null;  // the current question page's controller: {reveal, isHidden}

  function initQuestion(bar) {
    var article = bar.parentNode;
    var id = bar.getAttribute("data-question");
    var total = Number(bar.getAttribute("data-total")) || 85;
    var start = article.querySelector(":scope > .grill-summary") || article.querySelector(":scope > h2#answer");
    var stop = article.querySelector(":scope > h2#code");
    var hidden = [];
    for (var n = start; n && n !== stop; n = n.nextElementSibling) hidden.push(n);
    var revealed = false;

    // The veil stands where the answer was.
    var reveal = button("Reveal answer", "grill-btn--primary grill-reveal");
    var veil = h("div", { class: "grill-veil" }, [
      h("p", {}, ["Drill mode: the answer and the derivation are hidden. Say your answer out loud first, then reveal it (key ", kbd("r"), ")."]),
      reveal
    ]);
    if (start) article.insertBefore(veil, start);
    reveal.addEventListener("click", function () { show(true); });

    function show(focus) {
      revealed = true;
      render();
      if (focus && hidden[0]) {
        var target = article.querySelector(":scope > h2#answer") || hidden[0];
        target.setAttribute("tabindex", "-1");
        target.focus({ preventScroll: true });
      }
    }
    function isHidden() { return drillOn() && !revealed && hidden.length > 0; }
    function render() {
      var hide = isHidden();
      hidden.forEach(function (el) { el.classList.toggle("grill-hidden", hide); });
      veil.hidden = !hide;
    }

    // The toolbar: drill toggle, key hint, next question; then the self-grading buttons.
    var next = h("a", { class: "grill-next", href: bar.getAttribute("data-next") }, ["Next: " + bar.getAttribute("data-next-label") + " →"]);
    var hint = h("span", { class: "grill-hint" }, ["Keys: ", kbd("r"), " reveal · ", kbd("n"), " next question"]);
    var grades = {};
    var status = h("span", { class: "grill-grade__status", "aria-live": "polite" });
    var progressLink = h("a", { href: bar.getAttribute("data-progress") }, ["Your progress"]);
    var group = h("div", { class: "grill-grade", role: "group", "aria-label": "Self-grade question " + id }, [
      h("span", { class: "grill-grade__ask", text: "Could you answer it cold?" })
    ]);
    Object.keys(STATUSES).forEach(function (s) {
      var b = button(STATUSES[s], "grill-grade__" + s);
      b.setAttribute("data-status", s);
      b.addEventListener("click", function () {
        var current = marks()[id];
        setMark(id, current && current.status === s ? null : s);  // a second click clears the mark
        refresh();
      });
      grades[s] = b;
      group.append(b);
    });
    group.append(status);
    bar.append(
      h("div", { class: "grill-drill__row" }, [drillToggle(), hint, next]),
      group
    );

    function renderGrades() {
      var m = marks();
      var mine = m[id] && m[id].status;
      Object.keys(grades).forEach(function (s) { grades[s].setAttribute("aria-pressed", String(mine === s)); });
      var note = mine === "cold" ? "Marked: answered cold" : mine === "notyet" ? "Marked: not yet" : "Not marked yet";
      status.textContent = "";
      status.append(note + " · " + count(m, "cold") + " of " + total + " answered cold · ", progressLink);
    }
    views.push({ node: bar, render: function () { render(); renderGrades(); } });

    // Following a link to #answer or #derivation (the table of contents, search) reveals them.
    function revealTarget() {
      var t = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (t && isHidden() && hidden.some(function (el) { return el === t || el.contains(t); })) show(false);
    }
    question = {
      node: bar,
      isHidden: isHidden,
      revealTarget: revealTarget,
      reveal: function () { show(true); },
      next: function () { next.click(); }
    };
    bar.setAttribute("data-ready", "true");
    revealTarget();
  }
  window.addEventListener("hashchange", function () {
    if (question && document.body.contains(question.node)) question.revealTarget();
  });

  // Keys on question pages: r reveals, n goes to the next question (not Material's next *page*).
  window.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    var key = ev.key && ev.key.length === 1 ? ev.key.toLowerCase() : "";  // caps lock still counts
    if (key !== "r" && key !== "n") return;
    if (!question || !document.body.contains(question.node)) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var search = document.getElementById("__search");
    if (search && search.checked) return;
    if (key === "r") {
      if (!question.isHidden()) return;
      question.reveal();
    } else {
      question.next();
    }
    ev.preventDefault();
    ev.stopPropagation();  // captured on window, so Material's own "n" (next page) never sees it
  }, true);

  // --- Progress page --------------------------------------------------------------------------------
  function initProgress(box, data) {
    var total = data.total;
    var questions = data.questions;
    var url = function (q) { return new URL(q.url, root).href; };

    var score = h("p", { class: "grill-score" });
    var band = h("p", { class: "grill-band" });
    var notYet = h("p", { class: "grill-notyet" });
    var nextLink = h("a", { class: "grill-btn grill-btn--primary", href: "#" }, ["Next unanswered question"]);
    var randomLink = h("a", { class: "grill-btn", href: "#" }, ["Random question"]);
    var exportBtn = button("Export progress (JSON)");
    var importBtn = button("Import progress…");
    var file = h("input", { type: "file", accept: ".json,application/json", hidden: "", "aria-label": "Progress file to import" });
    var resetBtn = button("Reset progress");
    var confirmBox = h("span", { class: "grill-confirm", hidden: "" });
    var confirmYes = button("Yes, erase all marks", "grill-btn--primary");
    var confirmNo = button("Cancel");
    confirmBox.append("Erase every mark in this browser? ", confirmYes, " ", confirmNo);
    var message = h("p", { class: "grill-message", role: "status" });

    box.append(
      score,
      band,
      notYet,
      h("div", { class: "grill-actions" }, [nextLink, randomLink, drillToggle()]),
      h("div", { class: "grill-actions" }, [exportBtn, importBtn, file, resetBtn, confirmBox]),
      message
    );

    function unanswered(m) {
      var ungraded = questions.filter(function (q) { return !m[q.id]; });
      return ungraded.length ? ungraded : questions.filter(function (q) { return m[q.id].status !== "cold"; });
    }
    function say(text) { message.textContent = text; }

    nextLink.addEventListener("click", function (ev) {
      if (!unanswered(marks()).length) ev.preventDefault();
    });
    randomLink.addEventListener("click", function () {
      var pool = unanswered(marks());
      if (!pool.length) pool = questions;
      randomLink.href = url(pool[Math.floor(Math.random() * pool.length)]);  // read by the navigation that follows
    });

    exportBtn.addEventListener("click", function () {
      var payload = { format: FORMAT, version: 1, exported: new Date().toISOString(), total: total, marks: marks() };
      var blob = new Blob([JSON.stringify(payload, null, 2) + "\n"], { type: "application/json" });
      var a = h("a", { href: URL.createObjectURL(blob), download: "post-training-grill-progress-" + new Date().toISOString().slice(0, 10) + ".json" });
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
      say("Exported " + Object.keys(payload.marks).length + " marks.");
    });
    importBtn.addEventListener("click", function () { file.value = ""; file.click(); });
    file.addEventListener("change", function () {
      var f = file.files && file.files[0];
      if (!f) return;
      f.text().then(function (text) {
        var parsed = JSON.parse(text);
        if (!parsed || typeof parsed !== "object" || parsed.format !== FORMAT || typeof parsed.marks !== "object") {
          throw new Error("not a progress file exported from this site");
        }
        var m = cleanMarks(parsed.marks, total);
        saveMarks(m);
        refresh();
        say("Imported " + Object.keys(m).length + " marks from " + f.name + ".");
      }).catch(function (e) {
        say("Could not import " + f.name + ": " + (e && e.message ? e.message : e) + ". Your marks are unchanged.");
      });
    });
    resetBtn.addEventListener("click", function () {
      confirmBox.hidden = false;
      resetBtn.hidden = true;
      confirmNo.focus();
    });
    function closeConfirm() { confirmBox.hidden = true; resetBtn.hidden = false; resetBtn.focus(); }
    confirmNo.addEventListener("click", closeConfirm);
    confirmYes.addEventListener("click", function () {
      var n = Object.keys(marks()).length;
      saveMarks({});
      closeConfirm();
      refresh();
      say("Reset: " + n + " marks erased.");
    });

    function render() {
      var m = marks();
      var cold = count(m, "cold");
      var later = count(m, "notyet");
      score.textContent = "";
      score.append(h("strong", { class: "grill-score__n", text: String(cold) }), " / " + total + " answered cold · " + later + " not yet · " + (total - cold - later) + " not marked");

      document.querySelectorAll("[data-grill-count]").forEach(function (el) {
        var parts = el.getAttribute("data-grill-count").split(":");
        var ids = questions.filter(function (q) { return parts[0] === "all" || q.section === parts[0]; }).map(function (q) { return String(q.id); });
        el.textContent = String(count(m, parts[1], ids));
      });

      var current = null;
      document.querySelectorAll("[data-grill-band]").forEach(function (el) {
        var row = el.closest("tr");
        var hit = cold >= Number(el.getAttribute("data-min")) && cold <= Number(el.getAttribute("data-max"));
        if (row) row.classList.toggle("grill-band--current", hit);
        if (hit && row) current = row.cells[1].textContent.trim();
      });
      band.textContent = current ? "Where you stand: " + current : "";

      var later_qs = questions.filter(function (q) { return m[q.id] && m[q.id].status === "notyet"; });
      notYet.textContent = "";
      if (later_qs.length) {
        notYet.append("To revisit: ");
        later_qs.forEach(function (q, i) {
          if (i) notYet.append(", ");
          notYet.append(h("a", { href: url(q), title: q.title }, ["Q" + q.id]));
        });
      }

      var pool = unanswered(m);
      if (pool.length) {
        nextLink.href = url(pool[0]);
        nextLink.textContent = "Next unanswered question: Q" + pool[0].id;
        nextLink.removeAttribute("aria-disabled");
      } else {
        nextLink.href = "#";
        nextLink.textContent = "All " + total + " answered cold";
        nextLink.setAttribute("aria-disabled", "true");
      }
      var randomPool = pool.length ? pool : questions;
      randomLink.href = url(randomPool[Math.floor(Math.random() * randomPool.length)]);
    }
    views.push({ node: box, render: render });
    box.setAttribute("data-ready", "true");
  }

  // --- Wiring -------------------------------------------------------------------------------------
  function init() {
    document.querySelectorAll(".grill-nojs").forEach(function (el) { el.hidden = true; });
    var bar = document.querySelector(".grill-drill[data-question]");
    if (!bar) question = null;
    else if (!bar.hasAttribute("data-ready")) initQuestion(bar);
    var box = document.getElementById("grill-progress");
    var data = document.getElementById("grill-questions");
    if (box && data && !box.hasAttribute("data-ready")) initProgress(box, JSON.parse(data.textContent));
    refresh();
  }
  // Another tab changed the marks or the setting: show the same state here.
  window.addEventListener("storage", function (ev) {
    if (ev.key === KEY_DRILL || ev.key === KEY_MARKS || ev.key === null) refresh();
  });
  document$.subscribe(init);
})();
