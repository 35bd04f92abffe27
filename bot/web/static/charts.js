// Two small SVG charts drawn here (no chart library): bars per group, expected behind checked in;
// and columns of arrivals per quarter hour. Labels are text nodes, never markup.
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // rows: [{label, expected, arrived}]
  function bars(target, rows) {
    const width = 600, labelWidth = 210, row = 26, barWidth = width - labelWidth - 60;
    const short = (text) => (text.length > 32 ? text.slice(0, 31) + "…" : text);
    const most = Math.max(1, ...rows.map((r) => Math.max(r.expected, r.arrived)));
    target.setAttribute("viewBox", `0 0 ${width} ${Math.max(row, rows.length * row)}`);
    target.replaceChildren(...rows.flatMap((r, n) => {
      const y = n * row;
      return [
        svg("text", {x: labelWidth - 8, y: y + 17, "text-anchor": "end", class: "label"}, short(r.label)),
        svg("rect", {x: labelWidth, y: y + 5, width: (r.expected / most) * barWidth, height: 16, class: "expected", rx: 3}),
        svg("rect", {x: labelWidth, y: y + 5, width: (r.arrived / most) * barWidth, height: 16, class: "arrived", rx: 3}),
        svg("text", {x: labelWidth + barWidth + 8, y: y + 17, class: "value"}, `${r.arrived}/${r.expected}`),
      ];
    }));
  }

  // buckets: [{t: "HH:MM", n}]
  function columns(target, buckets) {
    const width = 900, height = 180, bottom = 22, left = 30;
    const most = Math.max(1, ...buckets.map((b) => b.n));
    const step = (width - left) / Math.max(1, buckets.length);
    target.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const nodes = [
      svg("line", {x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: "axis"}),
      svg("text", {x: left - 6, y: 12, "text-anchor": "end", class: "value"}, String(most)),
    ];
    buckets.forEach((b, n) => {
      const h = (b.n / most) * (height - bottom - 16);
      const x = left + n * step;
      nodes.push(svg("rect", {x: x + 1, y: height - bottom - h, width: Math.max(1, step - 2), height: h, class: "arrived"}));
      if (b.n) nodes.push(svg("title", {}, `${b.t}: ${b.n}`));
      if (b.t.endsWith(":00") || buckets.length <= 8) {
        nodes.push(svg("text", {x: x + step / 2, y: height - 6, "text-anchor": "middle", class: "label"}, b.t));
      }
    });
    target.replaceChildren(...nodes);
  }

  return {bars, columns};
})();
