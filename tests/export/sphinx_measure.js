// What the Sphinx extension draws, measured in the page (run by test_sphinx_themes.py through
// Selenium's execute_script; arguments[0] is a CSS selector of the extension's blocks,
// arguments[1] true when a table may scroll inside its box).
// Returns {failures: texts under 4.5:1 WCAG contrast, pilcrows: visible permalinks,
// overflow: blocks outside their column or the window, texts: how many were measured,
// page: true, or the page's width and what sticks out}.
const scope = arguments[0];
const mayScroll = Boolean(arguments[1]);  // a table may be wider than its box: it scrolls
function parse(c) {
  const m = c && c.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function blend(top, under) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
}
function backgrounds(e) {  // every opaque colour that can be behind e's text
  if (!e) return [[255, 255, 255, 1]];
  const cs = getComputedStyle(e);
  const stops = (cs.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
  if (stops.length) {
    const under = backgrounds(e.parentElement);
    return stops.flatMap(c => under.map(u => blend(c, u)));
  }
  const bg = parse(cs.backgroundColor);
  if (bg && bg[3] > 0) {
    return bg[3] >= 1 ? [bg] : backgrounds(e.parentElement).map(u => blend(bg, u));
  }
  return backgrounds(e.parentElement);
}
function lum(c) {
  const f = (v) => {
    v /= 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function ratio(a, b) {
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
const failures = [], pilcrows = [], overflow = [];
let texts = 0;
for (const root of document.querySelectorAll(scope)) {
  const box = root.getBoundingClientRect(), col = root.parentElement.getBoundingClientRect();
  if (box.left < col.left - 1 || box.right > col.right + 1 || box.right > window.innerWidth + 1) {
    overflow.push([root.className, Math.round(box.width), Math.round(col.width)]);
  }
  const table = root.querySelector("table");
  if (!mayScroll && table && table.getBoundingClientRect().width > root.clientWidth + 1) {
    overflow.push(["table wider than its column", Math.round(table.getBoundingClientRect().width),
                   root.clientWidth]);
  }
  // Every cell holds its content (nothing drawn over the next column) and the description
  // column keeps a readable width (10 em: a few words a line), or the table scrolls instead.
  for (const td of root.querySelectorAll("table.spt-table td")) {
    if (td.scrollWidth > td.clientWidth + 1) {
      overflow.push(["cell content overflows", td.textContent.trim().slice(0, 30),
                     td.scrollWidth, td.clientWidth]);
    }
  }
  for (const td of root.querySelectorAll("table.spt-fields td.spt-col-doc")) {
    if (td.getBoundingClientRect().width < 10 * parseFloat(getComputedStyle(td).fontSize)) {
      overflow.push(["description column squashed", Math.round(td.getBoundingClientRect().width)]);
      break;
    }
  }
  for (const el of [root, ...root.querySelectorAll("*")]) {
    if (el.closest("svg")) continue;  // the SVG's palette is tested with the SVG itself
    const cs = getComputedStyle(el);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (!own || cs.visibility !== "visible" || cs.display === "none" || opacity === 0
        || !el.getClientRects().length) continue;
    if (el.matches("a.headerlink, a.spt-rowlink")
        || [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.includes("¶"))) {
      pilcrows.push(el.outerHTML.slice(0, 80));
    }
    texts += 1;
    const fg = parse(cs.color);
    for (const bg of backgrounds(el)) {
      const r = ratio(blend(fg, bg), bg);
      if (r < 4.5) {
        failures.push([el.tagName, el.className, el.textContent.trim().slice(0, 30), cs.color,
                       String(bg), r.toFixed(2)]);
      }
    }
  }
}
const W = window.innerWidth;
const page = document.scrollingElement.scrollWidth <= W + 1 ? true
  : [document.scrollingElement.scrollWidth, W, ...[...document.querySelectorAll("body *")]
      .filter(e => e.getBoundingClientRect().right > W + 1
              && e.parentElement.getBoundingClientRect().right <= W + 1)
      .map(e => e.tagName + "." + e.className).slice(0, 8)];
return {failures, pilcrows, overflow, texts, page};
