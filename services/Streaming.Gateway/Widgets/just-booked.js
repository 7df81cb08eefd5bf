/*
 * The "just booked" widget. On a product page:
 *   <script src="https://GATEWAY/widgets/just-booked.js" data-product-id="tour-123" data-min-count="2" async></script>
 * data-product-id  (required) the product whose live profile to show
 * data-min-count   (default 1) a line whose number is below this is not shown; with no line, nothing is shown
 * data-target      (optional) id of the element to render into; by default a <div> right after the script tag
 * data-gateway     (optional) the gateway's base URL; by default where this script came from
 * It reads /v1/products/{id}/live/stream (Server-Sent Events; the browser reconnects with Last-Event-ID) and renders:
 *   "3 people booked this in the last hour", "Someone from Busan booked 2 minutes ago", "12 people are looking now".
 * It never claims more than the profile says: counts as they are, singular or plural, no city when none is known,
 * and "N minutes ago" rounded down from the booking's exact time.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.productId) {
    return;
  }

  var productId = script.dataset.productId;
  var minCount = Math.max(1, parseInt(script.dataset.minCount || "1", 10) || 1);
  var gateway = (script.dataset.gateway || new URL(script.src, document.baseURI).origin).replace(/\/+$/, "");
  var target = script.dataset.target ? document.getElementById(script.dataset.target) : null;
  if (!target) {
    target = document.createElement("div");
    script.parentNode.insertBefore(target, script.nextSibling);
  }

  target.className = (target.className ? target.className + " " : "") + "just-booked-widget";
  target.setAttribute("data-product-id", productId);
  target.hidden = true;
  var profile = null;

  function count(n, one, many) {
    return n === 1 ? "1 " + one : n + " " + many;
  }

  function ago(at) {
    var minutes = Math.floor((Date.now() - at.getTime()) / 60000);
    if (minutes < 1) return "just now";
    if (minutes < 60) return count(minutes, "minute", "minutes") + " ago";
    var hours = Math.floor(minutes / 60);
    return count(hours, "hour", "hours") + " ago";
  }

  function lines(p) {
    var out = [];
    if (p.bookings_last_hour >= minCount) {
      out.push(count(p.bookings_last_hour, "person", "people") + " booked this in the last hour");
    }
    // The newest booking's line stands for the day's bookings: shown only when they reach the minimum.
    if (p.last_booked_at && p.bookings_last_24h >= minCount) {
      var who = p.last_booked_city ? "Someone from " + p.last_booked_city : "Someone";
      out.push(who + " booked " + ago(new Date(p.last_booked_at)));
    }
    if (p.viewers_now >= minCount) {
      out.push(p.viewers_now === 1 ? "1 person is looking now" : p.viewers_now + " people are looking now");
    }
    return out;
  }

  function render() {
    var text = profile ? lines(profile) : [];
    target.textContent = "";
    text.forEach(function (line) {
      var item = document.createElement("p");
      item.className = "just-booked-line";
      item.textContent = line;
      target.appendChild(item);
    });
    target.hidden = text.length === 0;
  }

  var received = 0;

  var stream = new EventSource(gateway + "/v1/products/" + encodeURIComponent(productId) + "/live/stream");
  stream.addEventListener("profile", function (event) {
    try {
      profile = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    received += 1;
    // How many profiles arrived: lets a page (or a test) tell "nothing to show" from "nothing received yet".
    target.setAttribute("data-profiles-received", String(received));
    render();
  });
  // "2 minutes ago" must age even when nothing changes.
  setInterval(render, 30000);
})();
