/* Progressive enhancement only: every page works without this file.
   Adds a "select all on this page" checkbox to the export bar of the results page. */
(function () {
  "use strict";
  var form = document.querySelector("form.selection");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="id"]'));
  var bar = form.querySelector(".export-bar");
  if (!boxes.length || !bar) { return; }
  var wrapper = document.createElement("div");
  wrapper.className = "select-all";
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  var label = document.createElement("label");
  label.htmlFor = "select-all";
  label.textContent = document.documentElement.lang === "en" ? "Select all on this page" : "Tout sélectionner sur cette page";
  wrapper.appendChild(all);
  wrapper.appendChild(label);
  bar.insertBefore(wrapper, bar.firstChild);
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = boxes.every(function (b) { return b.checked; });
    });
  });
}());
