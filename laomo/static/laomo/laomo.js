/* The pages' small behaviours, in one file served by the app: the Content-Security-Policy
   allows scripts from the site only, so no page carries inline script or on… attributes.

   data-confirm="…" on a form or a submit button: ask before submitting.
   data-back on a link: go back in the browser's history (the link's href is the fallback).
   The talk list's filter toggle, the talk form's dependent fields, the report form's photos
   and its checks before sending: each runs only on the page that has its elements. */
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

  /* The report form: several photos picked at once each get their own caption and marks
     before they travel; a photo to replace says so; and before anything is sent the form is
     checked as the server would (the audience's minimum, the account, the three marks), so
     that a phone does not upload its photos only to hear that a number was wrong. Saving a
     draft is never stopped. */
  function reportForm() {
    var form = document.getElementById("report-form");
    if (!form) return;
    var picker = document.getElementById("id_photos");
    var list = document.getElementById("new-photos");
    var template = document.getElementById("new-photo-template");
    var caption = form.getAttribute("data-default-caption") || "";
    var minimum = parseInt(form.getAttribute("data-min-audience"), 10) || 0;
    var maxPhotos = parseInt(form.getAttribute("data-max-photos"), 10) || 30;
    var numbers = ["id_students", "id_teachers", "id_others"].map(function (id) {
      return document.getElementById(id);
    });
    var totalShown = document.getElementById("audience-total");

    function count(input) {
      var value = (input && input.value || "").trim();
      return /^\d+$/.test(value) ? parseInt(value, 10) : 0;
    }
    function total() {
      return numbers.reduce(function (sum, input) { return sum + count(input); }, 0);
    }
    function showTotal() { if (totalShown) totalShown.textContent = String(total()); }
    numbers.forEach(function (input) { if (input) input.addEventListener("input", showTotal); });
    showTotal();

    function preview(file, canvas) {
      if (!window.createImageBitmap || !canvas.getContext) return;
      window.createImageBitmap(file).then(function (bitmap) {
        var scale = Math.max(canvas.width / bitmap.width, canvas.height / bitmap.height);
        var w = bitmap.width * scale, h = bitmap.height * scale;
        canvas.getContext("2d").drawImage(bitmap, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
        if (bitmap.close) bitmap.close();
      }).catch(function () { /* a format this browser cannot draw (HEIC): the name says it */ });
    }

    if (picker && list && template) {
      picker.addEventListener("change", function () {
        list.textContent = "";
        Array.prototype.forEach.call(picker.files, function (file, i) {
          var holder = document.createElement("div");
          holder.innerHTML = template.innerHTML.replace(/__i__/g, String(i));
          var row = holder.firstElementChild;
          row.querySelector(".lm-photo-name").textContent = file.name;
          row.querySelector("input[type=text]").value = caption;
          preview(file, row.querySelector("canvas"));
          list.appendChild(row);
        });
      });
    }

    form.querySelectorAll(".lm-photo").forEach(function (card) {
      var remove = card.querySelector("[data-remove]");
      var replace = card.querySelector(".lm-replace");
      function sync() {
        var gone = remove && remove.checked && !(replace && replace.files.length);
        card.classList.toggle("opacity-50", Boolean(gone));
      }
      if (remove) remove.addEventListener("change", sync);
      if (replace) replace.addEventListener("change", function () {
        if (remove && replace.files.length) remove.checked = false;
        sync();
      });
    });

    function problems() {
      var found = [];
      var audience = total();
      if (audience < minimum) {
        found.push("观众合计" + audience + "人，少于规定的" + minimum + "人（学生、教师、其他人员合计）");
      }
      var account = document.getElementById("id_account");
      if (account && !account.value.trim()) found.push("请简要记述活动情况");
      var cards = Array.prototype.filter.call(form.querySelectorAll(".lm-photo"), function (card) {
        var remove = card.querySelector("[data-remove]");
        var replace = card.querySelector(".lm-replace");
        return !(remove && remove.checked && !(replace && replace.files.length));
      });
      if (!cards.length) found.push("请上传活动照片");
      else if (cards.length > maxPhotos) {
        found.push("一次最多上传" + maxPhotos + "张照片，本次" + cards.length + "张");
      }
      [["banner", "横幅"], ["lecturer", "宣讲员"], ["audience", "观众"]].forEach(function (mark) {
        var shown = cards.some(function (card) {
          var box = card.querySelector("[data-mark=" + mark[0] + "]");
          return box && box.checked;
        });
        if (cards.length && !shown) {
          found.push("照片中须有一张拍到" + mark[1] + "（请在对应照片上勾选“含" + mark[1] + "”）");
        }
      });
      return found;
    }

    // The button pressed, for browsers without SubmitEvent.submitter (older WeChat on iOS).
    var pressed = null;
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=action]");
      if (button) pressed = button;
    });

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter || pressed;
      pressed = null;
      if (submitter && submitter.value === "draft") return;
      var found = problems();
      if (!found.length) return;
      event.preventDefault();
      var box = document.getElementById("report-errors");
      var items = box.querySelector("ul");
      items.textContent = "";
      found.forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        items.appendChild(item);
      });
      box.hidden = false;
      box.scrollIntoView({ block: "start" });
    });
  }

  function ready() {
    talkFilters();
    talkForm();
    reportForm();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
