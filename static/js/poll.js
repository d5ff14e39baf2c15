// Refreshes a batch's progress every two seconds until nothing is left to wait for.
(function () {
  const box = document.querySelector("[data-poll]");
  if (!box) return;
  function tick() {
    fetch(box.dataset.poll, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((p) => {
        for (const el of box.querySelectorAll("[data-k]")) el.textContent = p[el.dataset.k];
        const bar = box.querySelector("progress");
        bar.value = p.done; bar.max = p.total;
        if (p.queued + p.sent > 0) setTimeout(tick, 2000);
      });
  }
  setTimeout(tick, 2000);
})();
