// Analytics page: draws the latency-by-stage chart (chart.js, served locally) from the JSON in the
// canvas's data-chart attribute, again whenever htmx swaps in a refreshed panel.
/* global Chart */
function draw() {
  if (typeof Chart === 'undefined') return;
  // Charts whose canvas a refresh removed are destroyed (they hold observers and timers).
  for (const chart of Object.values(Chart.instances)) if (!chart.canvas.isConnected) chart.destroy();
  const canvas = document.querySelector('canvas.latency-chart');
  if (!canvas || canvas.dataset.drawn === 'true') return;
  canvas.dataset.drawn = 'true';
  const data = JSON.parse(canvas.dataset.chart);
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [
        { label: 'p50 (median)', data: data.p50, backgroundColor: '#4f6df5' },
        { label: 'p95', data: data.p95, backgroundColor: '#f5a524' },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: 'milliseconds' } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

// A refreshed panel replaces the old canvas; the old chart goes with it.
new MutationObserver(draw).observe(document.body, { childList: true, subtree: true });
draw();
