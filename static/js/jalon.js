/* Jalon's own script (no build step, no inline code: the Content-Security-Policy allows only static files).
   1. A form's error summary takes the focus when the page shows it (data-focus-on-load).
   2. A self-refreshing region (data-refresh, htmx polling): a pause/resume button (WCAG 2.2.2), and a polite
      live region that says how many new rows arrived, only when some did. htmx keeps the focus itself: the
      focusable elements of the swapped content carry stable ids, and the swap does not scroll (focus-scroll:false). */
(function () {
  "use strict";

  function focusOnLoad() {
    var target = document.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  }

  function rowKeys(region) {
    var keys = new Set();
    region.querySelectorAll("[data-row-key]").forEach(function (row) { keys.add(row.getAttribute("data-row-key")); });
    return keys;
  }

  function setUpRefresh(region) {
    var button = document.getElementById(region.getAttribute("data-refresh-toggle"));
    var news = document.getElementById(region.getAttribute("data-refresh-news"));
    var paused = false;
    var before = rowKeys(region);
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        paused = !paused;
        button.setAttribute("aria-pressed", paused ? "true" : "false");
        button.textContent = paused ? button.getAttribute("data-label-resume") : button.getAttribute("data-label-pause");
      });
    }
    region.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== region) { return; }
      // Paused, or someone is typing in a field of the region (an alert's note): this refresh waits for the next.
      var active = document.activeElement;
      var typing = active && region.contains(active) && active.matches("input:not([type=hidden]), textarea, select");
      if (paused || typing) { event.preventDefault(); }
    });
    region.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.elt !== region) { return; }
      var after = rowKeys(region);
      var arrived = 0;
      after.forEach(function (key) { if (!before.has(key)) { arrived += 1; } });
      before = after;
      if (news && arrived > 0) {
        var template = arrived === 1 ? news.getAttribute("data-one") : news.getAttribute("data-many");
        news.textContent = template.replace("%n", String(arrived));
      }
    });
  }

  function start() {
    focusOnLoad();
    document.querySelectorAll("[data-refresh]").forEach(setUpRefresh);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
