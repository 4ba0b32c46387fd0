// The Usage page's charts, drawn by the vendored uPlot from the page's <script type="application/json" id="usage-data">
// block (data, not code: the CSP allows scripts from DumGum's own files only). Each chart also has a table with the
// same numbers, so the page says everything without this file.
(() => {
  const source = document.getElementById("usage-data");
  if (!source || typeof uPlot === "undefined") return;
  const data = JSON.parse(source.textContent);
  // The stylesheet's palette; each colour has at least 4.5:1 contrast on white.
  const colours = ["#0b5cad", "#a4161a", "#1d6b35", "#7a4b00", "#6a3d9a"];
  const height = 220;
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
  const charts = [];

  for (const element of document.querySelectorAll("[data-chart]")) {
    const lines = data.charts[element.dataset.chart];
    if (!lines) continue;
    const options = {
      width: Math.max(element.clientWidth, 200),
      height,
      tzDate: utc,
      scales: { x: { time: true } },
      series: [
        { label: data.granularity === "hour" ? "Hour (UTC)" : "Day (UTC)" },
        ...lines.map((line, i) => ({
          label: line.label,
          stroke: colours[i % colours.length],
          width: 2,
          points: { show: true, size: 5 },
          spanGaps: false,
        })),
      ],
      axes: [{}, { size: 64 }],
    };
    charts.push([element, new uPlot(options, [data.x, ...lines.map((line) => line.values)], element)]);
  }

  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const [element, chart] of charts) chart.setSize({ width: Math.max(element.clientWidth, 200), height });
    });
  });
})();
