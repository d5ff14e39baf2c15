// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (Django's json_script).
(function () {
  const colours = {
    DELIVRD: "#2e7d32", SENT: "#1565c0", ENROUTE: "#42a5f5", ACCEPTD: "#64b5f6", QUEUE: "#9e9e9e",
    UNDELIV: "#c62828", REJECTD: "#ad1457", EXPIRED: "#ef6c00", ERROR: "#6a1b9a", BLACKLISTED: "#424242",
    DELETED: "#bdbdbd", UNKNOWN: "#8d6e63",
  };
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    for (const set of data.datasets) set.backgroundColor = colours[set.label] || "#78909c";
    new Chart(canvas, {
      type: "bar",
      data,
      options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
  }
})();
