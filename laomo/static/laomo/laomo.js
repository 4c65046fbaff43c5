/* The pages' small behaviours, in one file served by the app: the Content-Security-Policy
   allows scripts from the site only, so no page carries inline script or on… attributes.

   data-confirm="…" on a form or a submit button: ask before submitting.
   data-back on a link: go back in the browser's history (the link's href is the fallback).
   The talk list's filter toggle, the talk form's dependent fields, the report form's
   "add a photo" button: each runs only on the page that has its elements. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var back = event.target.closest("a[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-confirm")) return; // asked on click
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  function talkFilters() {
    var form = document.getElementById("talk-filters");
    var toggle = form && form.querySelector(".lm-filter-toggle");
    if (!toggle) return;
    function sync() {
      var open = form.classList.contains("lm-open");
      toggle.setAttribute("aria-expanded", String(open));
      toggle.classList.toggle("active", open);
    }
    toggle.addEventListener("click", function () { form.classList.toggle("lm-open"); sync(); });
    sync();
  }

  function talkForm() {
    var kind = document.getElementById("id_form");
    var other = document.getElementById("form-other-row");
    if (kind && other) {
      var showOther = function () {
        other.hidden = kind.value !== "other" && !other.querySelector(".invalid-feedback");
      };
      kind.addEventListener("change", showOther);
      showOther();
    }
    var place = document.getElementById("id_place");
    if (place && document.querySelector("[data-place]")) {
      var show = function () {
        document.querySelectorAll("[data-place]").forEach(function (row) {
          row.hidden = row.getAttribute("data-place") !== place.value;
        });
      };
      place.addEventListener("change", show);
      show();
    }
  }

  function reportPhotos() {
    var button = document.getElementById("add-photo");
    var total = document.getElementById("id_photos-TOTAL_FORMS");
    var template = document.getElementById("photo-template");
    if (!button || !total || !template) return;
    var caption = button.getAttribute("data-default-caption") || "";
    button.addEventListener("click", function () {
      var n = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(n)).replace("__n__", String(n + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      var text = row.querySelector("input[type=text]");
      if (text && !text.value) text.value = caption;
      document.getElementById("photo-rows").appendChild(row);
      total.value = String(n + 1);
    });
  }

  function ready() {
    talkFilters();
    talkForm();
    reportPhotos();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
