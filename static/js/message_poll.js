// The message page follows its message: every two seconds it asks for the status, and reloads
// itself (timeline, parts, refund) when the status changes; it stops once the status is final.
(function () {
  const box = document.querySelector("[data-message-poll]");
  if (!box) return;
  function tick() {
    fetch(box.dataset.messagePoll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((m) => {
        if (m.status !== box.dataset.status) { window.location.reload(); return; }
        if (!m.final) setTimeout(tick, 2000);
      })
      .catch(() => setTimeout(tick, 5000));
  }
  setTimeout(tick, 2000);
})();
