// Follows a CSV import's progress every second until it has finished, then shows the result.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  async function poll() {
    const response = await fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}});
    if (response.ok) {
      const s = await response.json();
      box.querySelector("[data-field=progress]").value = s.progress;
      for (const key of ["processed", "created", "skipped", "grouped"]) {
        const el = box.querySelector(`[data-field=${key}]`);
        if (el) el.textContent = s[key];
      }
      box.querySelector("[data-field=status]").textContent = s.status;
      if (s.finished) { window.location.reload(); return; }
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
