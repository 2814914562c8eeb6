// Small enhancements; every page works without them.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";

  // Live SLA countdowns: elements with data-deadline (ms since epoch).
  function fmt(ms) {
    var mins = Math.floor(Math.abs(ms) / 60000), h = Math.floor(mins / 60), m = mins % 60;
    var amount = zh ? (h > 0 ? h + "小时" + m + "分" : m + "分钟") : (h > 0 ? h + " h " + m + " min" : m + " min");
    if (ms < 0) return zh ? "超时 " + amount : amount + " overdue";
    return zh ? "剩余 " + amount : amount + " left";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Number(el.getAttribute("data-deadline")) - now;
      el.textContent = fmt(left);
      if (left < 0) {
        el.classList.remove("sla-ok", "sla-warn");
        el.classList.add("sla-breached");
      }
    });
  }
  tick();
  setInterval(tick, 30000);

  // The inbox: opening a notification's order marks it read. The link
  // navigates as usual; the mark goes out as a keepalive POST carrying the
  // session's CSRF token (the "mark as read" button works without script).
  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (err) {
      return "";
    }
  }
  function markRead(e) {
    var a = e.target.closest && e.target.closest("a[data-read]");
    if (!a || (e.type === "auxclick" && e.button !== 1)) return;
    var url = a.getAttribute("data-read");
    a.removeAttribute("data-read");
    fetch(url, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf() }
    }).catch(function () {});
  }
  document.addEventListener("click", markRead);
  document.addEventListener("auxclick", markRead);

  // Photo previews before upload.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file][name=photos]")) return;
    var box = document.getElementById("photo-preview");
    if (!box) return;
    box.textContent = "";
    Array.prototype.slice.call(input.files, 0, 9).forEach(function (f) {
      if (!/^image\/(jpeg|png|webp)$/.test(f.type)) return;
      var img = document.createElement("img");
      img.alt = "";
      img.width = 72;
      img.height = 72;
      img.src = URL.createObjectURL(f);
      box.appendChild(img);
    });
  });
})();
