// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (Django's json_script).
(function () {
  // By the status words the pages show (messaging/vocabulary.py): green delivered, reds failed.
  const colours = {
    Delivered: "#2e7d32", Sent: "#1565c0", Sending: "#42a5f5", Queued: "#9e9e9e",
    Failed: "#c62828", Rejected: "#ad1457", Expired: "#ef6c00", Blocked: "#424242", Cancelled: "#bdbdbd",
  };
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    for (const set of data.datasets) set.backgroundColor = colours[set.label] || "#78909c";
    new Chart(canvas, {
      type: "bar",
      data,
      // Drawn at once (no growing bars), whole messages on the axis, the height set by CSS (phones too).
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }
})();
