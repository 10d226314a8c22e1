// The console's only script (served by the console itself; the Content-Security-Policy
// allows no other). Everything works without it but the live rows and the test-event form
// that stays on the page.
"use strict";

(function () {
  const rows = document.getElementById("rows");
  const liveStatus = document.getElementById("live-status");
  let last = rows ? rows.innerHTML : "";

  // New entries without a reload: the server renders the rows (escaped), this swaps them in.
  async function refresh() {
    if (!rows || !rows.dataset.src) return;
    try {
      const response = await fetch(rows.dataset.src, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const html = await response.text();
      if (html !== last) {
        rows.innerHTML = html;
        last = html;
      }
      if (liveStatus) liveStatus.textContent =
        "Live: updated " + new Date().toISOString().slice(11, 19) + " UTC";
    } catch (error) {
      if (liveStatus) liveStatus.textContent = "Live updates paused: " + error.message;
    }
  }

  if (rows && rows.dataset.src) {
    setInterval(function () {
      if (!document.hidden) refresh();
    }, 2000);
  }

  // A form that asks first (replaying an event that was handled runs its handler again).
  document.querySelectorAll("form[data-confirm]").forEach(function (asking) {
    asking.addEventListener("submit", function (event) {
      if (!window.confirm(asking.dataset.confirm)) event.preventDefault();
    });
  });

  // The test-event form posts in the background and says what happened; the row comes with
  // the next refresh.
  const form = document.getElementById("test-event");
  const notice = document.getElementById("notice");
  if (form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-Console-Fetch": "1" },
          body: new URLSearchParams(new FormData(form)),
        });
        const text = await response.text();
        if (notice) {
          notice.textContent = text;
          notice.hidden = false;
        }
        await refresh();
      } catch (error) {
        if (notice) {
          notice.textContent = "Sending failed: " + error.message;
          notice.hidden = false;
        }
      } finally {
        if (button) button.disabled = false;
      }
    });
  }
})();
