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

/* Territory fields (input[data-territories]): their <datalist> follows what is typed,
   from /territoires?q=... Without this script the field is free text resolved on submit. */
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-territories]");
  Array.prototype.forEach.call(fields, function (input) {
    var list = input.list;
    if (!list || !window.fetch) { return; }
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (text.length < 2 || text === asked) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        asked = text;
        window.fetch(input.getAttribute("data-territories") + "?q=" + encodeURIComponent(text))
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) {
            if (asked !== text) { return; }
            while (list.firstChild) { list.removeChild(list.firstChild); }
            found.forEach(function (t) {
              var option = document.createElement("option");
              option.value = t.label;
              list.appendChild(option);
            });
          })
          .catch(function () { return null; });
      }, 200);
    });
  });
}());
