// iscsitgt-spt decode --html. Records are lines of JSON, deflated as one stream and packed in
// <script class="recs"> elements (a long buffer's bytes packed in an element of their own, see
// packed.py), inflated once when the page opens; only the current page of records is
// rendered, and of a buffer's hex only the rows on screen. Hex
// bytes and member rows are linked both ways: hover, select (click, Enter) one and the other
// lights up. Everything is reachable by keyboard: Tab to a record's link, its member tree,
// its hex grid; arrows move inside a tree or grid, Enter pins, Escape unpins.
(function () {
  "use strict";
  // Per record: {severity, structure, rules, text} (what the filters read, and its JSON).
  var blocks = [], layoutTexts = [];
  var cache = new Map(), texts = [];
  var main = document.getElementById("records");
  var pageSize = 25, page = 0;
  // Hex rows: height in px; a buffer of up to ALL_ROWS rows (1 KiB) is drawn whole, a longer
  // one in a grid MAX_ROWS rows high scrolling at most MAX_PX (the rows on screen drawn).
  var ROW_H = 20, ALL_ROWS = 64, MAX_ROWS = 32, MAX_PX = 8e6;
  var state = {severity: "all", structure: "", rule: "", query: ""};
  var pending = 0, booted = false;
  var HEX = [];
  for (var h = 0; h < 256; h++) HEX.push((h < 16 ? "0" : "") + h.toString(16));

  function $(id) { return document.getElementById(id); }
  function doc(i) {
    if (!cache.has(i)) cache.set(i, parse(i));
    return cache.get(i);
  }
  // A record's JSON with each buffer's member rows put together again: what its layout fixes
  // (written once per page, in a line of its own) and what the record holds.
  var layouts = new Map();
  function parse(i) {
    var d = JSON.parse(blocks[i].text);
    d.buffers.forEach(function (b) {
      var k = b.layout;
      if (!layouts.has(k)) layouts.set(k, JSON.parse(layoutTexts[k]));
      var odd = new Set(b.odd || []);
      b.members = layouts.get(k).map(function (r, n) { return [r[0], r[1], r[2], r[3], r[4], b.values[n], odd.has(n), r[5]]; });
    });
    return d;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function addr(n, width) { var s = n.toString(16); return s.length < width ? ("0".repeat(width) + s).slice(-width) : s; }
  function clamp(v, lo, hi) { return Math.max(lo, Math.min(v, hi)); }
  function settle() { if (booted && pending === 0) document.body.dataset.ready = "1"; }

  // -- bytes: hex in the JSON, or packed (deflated, 7 bits a character) ----------------------
  function fromHex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }
  // A character's value is its code & 0x7f: U+0080 + v stands for v (NUL, CR and "<").
  function unpack(text) {
    var n = text.length, out = new Uint8Array(n - Math.ceil(n / 8)), o = 0, g = 0, j, hi;
    for (; g + 8 <= n; g += 8) {
      hi = text.charCodeAt(g + 7) << 7;
      for (j = 0; j < 7; j++) out[o++] = (text.charCodeAt(g + j) & 0x7f) | ((hi >> j) & 0x80);
    }
    if (g < n) {
      hi = text.charCodeAt(n - 1) << 7;
      for (j = 0; g + j < n - 1; j++) out[o++] = (text.charCodeAt(g + j) & 0x7f) | ((hi >> j) & 0x80);
    }
    return out;
  }
  function inflate(packed) {
    var stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  // The records: every recs element unpacked, the bytes of all inflated as one stream, read
  // line by line ("L", a layout's JSON; "R", the filter fields and the record's JSON).
  function take(line) {
    if (line.charAt(0) === "L") { layoutTexts.push(line.slice(2)); return; }
    var f = line.split("\t", 4);  // R, severity, structures, rules; then the JSON
    blocks.push({severity: f[1], structure: f[2], rules: f[3],
      text: line.slice(f[0].length + f[1].length + f[2].length + f[3].length + 4)});
  }
  function loadRecords() {
    var parts = Array.prototype.map.call(document.querySelectorAll("script.recs"), function (e) { return unpack(e.textContent); });
    var reader = new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate"))
      .pipeThrough(new TextDecoderStream()).getReader(), rest = "";
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) { if (rest) take(rest); return; }
        var lines = (rest + r.value).split("\n");
        rest = lines.pop();
        lines.forEach(take);
        return pump();
      });
    }
    return pump();
  }

  // -- one buffer: member tree + hex grid, linked ----------------------------------------------
  function innermost(members, off) {
    var best = -1;
    for (var k = 0; k < members.length; k++) {
      var m = members[k];
      if (m[1] <= off && off < m[1] + m[2] && (best < 0 || m[2] < members[best][2])) best = k;
    }
    return best;
  }
  function renderTree(v) {
    var table = el("table", "tree");
    table.tabIndex = 0;
    table.setAttribute("role", "treegrid");
    table.setAttribute("aria-label", "members of the " + v.buf.label + " buffer");
    var thead = el("tr");
    ["offset", "member", "C type", "value"].forEach(function (t) { thead.appendChild(el("th", null, t)); });
    table.appendChild(thead);
    v.members.forEach(function (m, k) {
      var tr = el("tr", "m k-" + m[3] + (m[6] ? " odd" : ""));
      tr.id = v.id + "-m" + k;
      tr.setAttribute("role", "row");
      tr.setAttribute("aria-level", m[0].split(".").length);
      tr.dataset.o = m[1]; tr.dataset.n = m[2]; tr.dataset.k = k; tr.dataset.path = m[0];
      var cells = [el("td", "o", m[1] + (m[7] !== null ? "." + m[7] : "")), el("td", "p", m[0].split(".").pop()),
        el("td", "t", m[4] + (m[7] !== null ? " :" + m[7] : "")), el("td", "v", m[5])];
      cells[1].style.paddingLeft = (4 + (m[0].split(".").length - 1) * 14) + "px";
      cells[1].title = m[0] + " @" + m[1] + " (0x" + m[1].toString(16) + "), " + m[2] + " byte" + (m[2] === 1 ? "" : "s");
      cells.forEach(function (c) { c.setAttribute("role", "gridcell"); tr.appendChild(c); });
      if (state.query && (m[0] + "\n" + m[4] + "\n" + m[5]).toLowerCase().indexOf(state.query) >= 0) tr.classList.add("hit");
      table.appendChild(tr);
    });
    return table;
  }
  function renderGrid(v) {
    var grid = el("div", "hex");
    grid.tabIndex = 0;
    grid.setAttribute("role", "grid");
    grid.setAttribute("aria-label", "bytes of the " + v.buf.label + " buffer, 16 a row");
    grid.setAttribute("aria-rowcount", v.rows);
    v.scaled = v.rows * ROW_H > MAX_PX;
    v.vis = v.rows <= ALL_ROWS ? v.rows : MAX_ROWS;
    grid.style.height = (v.vis * ROW_H) + "px";
    var sizer = el("div", "sizer"), win = el("div", "win");
    sizer.setAttribute("role", "presentation"); win.setAttribute("role", "presentation");
    sizer.style.height = (v.scaled ? MAX_PX : v.rows * ROW_H) + "px";
    sizer.appendChild(win); grid.appendChild(sizer);
    v.win = win;
    grid.addEventListener("scroll", function () { draw(v); });
    return grid;
  }
  // The rows on screen (of a grid scrolled to scrollTop); scaled when rows * ROW_H is too tall.
  function firstRow(v) {
    var top = v.grid.scrollTop;
    if (!v.scaled) return clamp(Math.floor(top / ROW_H), 0, v.rows - 1);
    return clamp(Math.round(top / Math.max(1, MAX_PX - v.vis * ROW_H) * (v.rows - v.vis)), 0, v.rows - v.vis);
  }
  function draw(v) {
    if (!v.bytes) return;
    var first = firstRow(v), last = Math.min(v.rows, first + v.vis + 1);
    v.win.style.top = (v.scaled ? v.grid.scrollTop : first * ROW_H) + "px";
    if (first === v.first) return;  // the same rows: keep them (and what points at them)
    v.first = first;
    v.win.textContent = "";
    var rows = document.createDocumentFragment();
    for (var r = first; r < last; r++) rows.appendChild(rowEl(v, r));
    v.win.appendChild(rows);
    activate(v);
  }
  function rowEl(v, r) {
    var line = el("div", "row");
    line.setAttribute("role", "row");
    line.setAttribute("aria-rowindex", r + 1);
    var head = el("span", "addr", addr(r * 16, Math.max(4, Math.max(0, v.n - 1).toString(16).length)));
    head.setAttribute("role", "rowheader");
    line.appendChild(head);
    var text = el("span", "ascii");
    text.setAttribute("aria-hidden", "true");
    for (var o = r * 16; o < Math.min(r * 16 + 16, v.n); o++) {
      var code = v.bytes[o];
      var lit = classesAt(v, o);
      var b = el("span", "b" + (o % 16 === 8 ? " gap" : "") + lit, HEX[code]);
      b.id = v.id + "-b" + o; b.dataset.o = o;
      if (inMark(v.marks.sel, o)) b.setAttribute("aria-selected", "true");
      b.setAttribute("role", "gridcell");
      line.appendChild(b);
      // The ASCII column: the same byte, lit with it (class c, not b: one b per offset).
      var c = el("span", "c" + lit, code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : ".");
      c.dataset.o = o;
      text.appendChild(c);
    }
    line.appendChild(text);
    return line;
  }
  function inMark(mark, o) { return mark !== null && mark[0] <= o && o < mark[0] + mark[1]; }
  function classesAt(v, o) {
    var cls = "";
    for (var k = 0; k < v.pads.length; k++) if (inMark(v.pads[k], o)) { cls += " p"; break; }
    if (v.members.length && o >= v.covered) cls += " x";
    if (v.bad.has(o)) cls += " bad";
    if (inMark(v.marks.hov, o)) cls += " hov";
    if (inMark(v.marks.sel, o)) cls += " sel";
    if (o === v.cursor) cls += " cur";
    return cls;
  }
  function paint(v) {
    v.win.querySelectorAll("[data-o]").forEach(function (e) {
      var o = +e.dataset.o, isByte = e.getAttribute("role") === "gridcell";
      e.className = (isByte ? "b" + (o % 16 === 8 ? " gap" : "") : "c") + classesAt(v, o);
      if (isByte && inMark(v.marks.sel, o)) e.setAttribute("aria-selected", "true");
      else if (isByte) e.removeAttribute("aria-selected");
    });
    activate(v);
  }
  function activate(v) {
    var cur = $(v.id + "-b" + v.cursor);
    if (cur) v.grid.setAttribute("aria-activedescendant", cur.id);
    else v.grid.removeAttribute("aria-activedescendant");
  }
  function reveal(v, o) {
    var row = Math.floor(o / 16), first = firstRow(v);
    if (row >= first && row < first + v.vis) return;
    var want = clamp(row - 2, 0, v.rows - v.vis);
    v.grid.scrollTop = v.scaled ? want / Math.max(1, v.rows - v.vis) * (MAX_PX - v.vis * ROW_H) : want * ROW_H;
    draw(v);
  }
  // Light (hov) or pin (sel) a member k, or bytes [o, o + len) of no member (k < 0).
  function light(v, cls, o, len, k) {
    v.marks[cls] = o === null ? null : [o, len, k];
    if (v.tree) v.tree.querySelectorAll("tr." + cls).forEach(function (e) {
      e.classList.remove(cls);
      if (cls === "sel") e.setAttribute("aria-selected", "false");
    });
    if (v.tree && o !== null && k >= 0) {
      var tr = $(v.id + "-m" + k);
      tr.classList.add(cls);
      if (cls === "sel") tr.setAttribute("aria-selected", "true");
    }
    if (v.bytes) paint(v);
  }
  function lightMember(v, cls, k) { var m = v.members[k]; light(v, cls, m[1], m[2], k); }
  function lightByte(v, cls, o) {
    var k = innermost(v.members, o);
    if (k < 0) light(v, cls, o, 1, -1); else lightMember(v, cls, k);
  }
  var TREE_STEP = {ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10};
  function treeKeys(v, ev) {
    var last = v.members.length - 1, at = v.row;
    if (ev.key === "Home") at = 0;
    else if (ev.key === "End") at = last;
    else if (TREE_STEP[ev.key]) at += TREE_STEP[ev.key];
    else if (ev.key === "Enter" || ev.key === " ") { lightMember(v, "sel", v.row); reveal(v, v.members[v.row][1]); }
    else if (ev.key === "Escape") light(v, "sel", null);
    else return;
    ev.preventDefault();
    setRow(v, clamp(at, 0, last), true);
  }
  // The tree's current row (scrolled to when the keyboard moved it, not when a click did).
  function setRow(v, k, scroll) {
    var old = v.tree.querySelector("tr.cur");
    if (old) old.classList.remove("cur");
    v.row = k;
    var tr = $(v.id + "-m" + k);
    tr.classList.add("cur");
    v.tree.setAttribute("aria-activedescendant", tr.id);
    if (scroll) tr.scrollIntoView({block: "nearest"});
    lightMember(v, "hov", k);
  }
  function gridKeys(v, ev) {
    var at = v.cursor, step = {ArrowRight: 1, ArrowLeft: -1, ArrowDown: 16, ArrowUp: -16,
      PageDown: 16 * v.vis, PageUp: -16 * v.vis}[ev.key];
    if (step) at += step;
    else if (ev.key === "Home") at = 0;
    else if (ev.key === "End") at = v.n - 1;
    else if (ev.key === "Enter" || ev.key === " ") lightByte(v, "sel", v.cursor);
    else if (ev.key === "Escape") light(v, "sel", null);
    else return;
    ev.preventDefault();
    setCursor(v, clamp(at, 0, v.n - 1));
  }
  function setCursor(v, o) {
    v.cursor = o;
    reveal(v, o);
    lightByte(v, "hov", o);
    var cell = $(v.id + "-b" + o);
    if (cell) cell.scrollIntoView({block: "nearest", inline: "nearest"});  // in the page too
  }
  // Focus (Tab, or a click) scrolls nothing: the cursor stays, or moves to the first row on
  // screen when it is not on screen.
  function focusGrid(v) {
    if (!v.bytes) return;
    if (Math.floor(v.cursor / 16) < v.first || Math.floor(v.cursor / 16) > v.first + v.vis) v.cursor = v.first * 16;
    lightByte(v, "hov", v.cursor);
  }
  function link(v) {
    var box = v.box;
    box.addEventListener("mouseover", function (ev) {
      var t = ev.target.closest("tr.m, .hex [data-o]");
      if (!t) return;
      if (t.matches("tr.m")) lightMember(v, "hov", +t.dataset.k); else lightByte(v, "hov", +t.dataset.o);
    });
    box.addEventListener("mouseleave", function () { light(v, "hov", null); });
    box.addEventListener("click", function (ev) {
      var t = ev.target.closest("tr.m, .hex [data-o], a.finding");
      if (!t) return;
      if (t.matches("a.finding")) {
        ev.preventDefault();
        var hit = v.members.map(function (x) { return x[0]; }).indexOf(t.dataset.member);
        if (hit >= 0) lightMember(v, "sel", hit); else light(v, "sel", +t.dataset.o, +t.dataset.n, -1);
        reveal(v, +t.dataset.o);
        return;
      }
      if (t.matches("tr.m")) {
        v.row = +t.dataset.k;
        lightMember(v, "sel", v.row);
        reveal(v, v.members[v.row][1]);
      } else {
        v.cursor = +t.dataset.o;
        lightByte(v, "sel", v.cursor);
      }
    });
    // A press comes before the focus it gives: the row or byte pressed is the current one.
    box.addEventListener("mousedown", function (ev) {
      var t = ev.target.closest("tr.m, .hex [data-o]");
      if (t && t.matches("tr.m")) v.row = +t.dataset.k; else if (t) v.cursor = +t.dataset.o;
    });
    if (v.tree) {
      v.tree.addEventListener("keydown", function (ev) { treeKeys(v, ev); });
      v.tree.addEventListener("focus", function () { setRow(v, v.row, false); });
    }
    v.grid.addEventListener("keydown", function (ev) { gridKeys(v, ev); });
    v.grid.addEventListener("focus", function () { focusGrid(v); });
  }
  function renderFindings(buf) {
    var ul = el("ul", "findings");
    buf.findings.forEach(function (f) {
      var li = el("li", f[0]);
      var a = el("a", "finding", f[0] + " at 0x" + f[3].toString(16));
      a.href = "#"; a.dataset.o = f[3]; a.dataset.member = f[5] || ""; a.dataset.n = f[6];
      li.appendChild(a);
      li.appendChild(document.createTextNode(": " + (f[2] ? f[2] + ": " : "") + f[4] + " [" + f[1] + "]"));
      ul.appendChild(li);
    });
    return ul;
  }
  function renderBuffer(buf, recNo) {
    var members = buf.members || [];
    var v = {buf: buf, members: members, n: buf.length, rows: Math.max(1, Math.ceil(buf.length / 16)),
      id: "r" + recNo + "-" + buf.label, first: -1, marks: {hov: null, sel: null}, row: 0, cursor: 0,
      covered: members.length ? (buf.size || 0) : 0, bad: new Set(), bytes: null,
      pads: members.filter(function (m) { return m[3] === "p"; }).map(function (m) { return [m[1], m[2]]; })};
    (buf.findings || []).forEach(function (f) { v.bad.add(f[3]); });
    if (buf.error_offset !== undefined) v.bad.add(buf.error_offset);
    var box = v.box = el("div", "buf");
    box.dataset.buffer = buf.label;
    box.appendChild(el("h3", null, buf.label + ": " + buf.length + " bytes" + (buf.name ? " · " + buf.name : "")));
    if (buf.error) box.appendChild(el("div", "err", "error: " + buf.error));
    var pair = el("div", "pair"), left = el("div");
    if (members.length) left.appendChild(v.tree = renderTree(v));
    pair.appendChild(left);
    pair.appendChild(v.grid = renderGrid(v));
    box.appendChild(pair);
    if ((buf.findings || []).length) box.appendChild(renderFindings(buf));
    link(v);
    if (buf.hex !== undefined) { v.bytes = fromHex(buf.hex); draw(v); return box; }
    v.win.appendChild(el("div", "row", "unpacking " + buf.length + " bytes…"));
    pending += 1;
    inflate(unpack($(buf.packed).textContent)).then(function (bytes) {
      if (bytes.length !== buf.length) throw new Error(bytes.length + " bytes unpacked, " + buf.length + " expected");
      v.bytes = bytes; draw(v);
    }).catch(function (e) {
      v.win.textContent = "";
      v.win.appendChild(el("div", "err", "the bytes could not be unpacked: " + e));
    }).finally(function () { pending -= 1; settle(); });
    return box;
  }

  // -- one record ----------------------------------------------------------------------------
  function renderRecord(i) {
    var d = doc(i), no = d.i + 1;
    var sec = el("section", "rec" + (d.severity ? " sev-" + d.severity : ""));
    sec.id = "record-" + no;
    sec.tabIndex = -1;
    sec.dataset.record = no;
    sec.setAttribute("aria-labelledby", "record-" + no + "-title");
    var h = el("h2");
    h.id = "record-" + no + "-title";
    var self = el("a", "self", d.title);
    self.href = "#record-" + no;
    h.appendChild(self);
    if (d.profile) h.appendChild(el("span", "badge", d.profile));
    if (d.severity) h.appendChild(el("span", "badge " + d.severity, d.severity));
    sec.appendChild(h);
    if (d.error) sec.appendChild(el("div", "err", "error: " + d.error));
    (d.notes || []).forEach(function (t) { sec.appendChild(el("div", "note", "note: " + t)); });
    if (d.evidence) {
      var det = el("details", "evidence");
      det.appendChild(el("summary", null, "profile " + (d.profile || "?") + (d.ambiguous ? " (ambiguous: " + d.ambiguous + ")" : "") + " — evidence"));
      var ul = el("ul");
      d.evidence.forEach(function (e) { ul.appendChild(el("li", null, e)); });
      det.appendChild(ul);
      sec.appendChild(det);
    }
    d.buffers.forEach(function (b) { sec.appendChild(renderBuffer(b, no)); });
    if (d.changes) {
      var c = el("ul", "findings");
      d.changes.forEach(function (x) { c.appendChild(el("li", null, "changed by the driver: " + x[0] + " @0x" + x[1].toString(16) + ": " + x[2] + " → " + x[3])); });
      sec.appendChild(c);
    }
    if (d.sense) sec.appendChild(el("pre", "sense", d.sense));
    return sec;
  }

  // -- search and filters: over every record, not only those drawn -----------------------------
  function textOf(d) {
    var parts = [d.title, d.profile, d.error, d.sense, d.ambiguous].concat(d.notes || [], d.evidence || []);
    d.buffers.forEach(function (b) {
      parts.push(b.label, b.name, b.error);
      (b.members || []).forEach(function (m) { parts.push(m[0], m[4], m[5]); });
      (b.findings || []).forEach(function (f) { parts.push(f[0], f[1], f[2], f[4]); });
    });
    (d.changes || []).forEach(function (c) { parts.push(c[0], c[2], c[3]); });
    return parts.filter(function (p) { return p; }).join("\n").toLowerCase();
  }
  function searchText(i) {
    if (texts[i] === undefined) texts[i] = textOf(cache.has(i) ? cache.get(i) : parse(i));
    return texts[i];
  }
  function hasWord(list, word) { return (" " + (list || "") + " ").indexOf(" " + word + " ") >= 0; }
  function matches(i) {
    var b = blocks[i], s = state.severity;
    if (s === "any" ? !b.severity : s !== "all" && b.severity !== s) return false;
    if (state.structure && !hasWord(b.structure, state.structure)) return false;
    if (state.rule && !hasWord(b.rules, state.rule)) return false;
    return !state.query || searchText(i).indexOf(state.query) >= 0;
  }
  var order = [], list = order;
  function refilter() {
    var plain = state.severity === "all" && !state.structure && !state.rule && !state.query;
    list = plain ? order : order.filter(matches);
  }
  function show(p) {
    var pages = Math.max(1, Math.ceil(list.length / pageSize));
    page = clamp(p, 0, pages - 1);
    main.textContent = "";
    list.slice(page * pageSize, (page + 1) * pageSize).forEach(function (i) { main.appendChild(renderRecord(i)); });
    if (!list.length) main.appendChild(el("p", "none", "No record matches."));
    $("pageinfo").textContent = "page " + (page + 1) + " / " + pages + " (" + list.length + " records)";
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }
  function options(select, counts) {
    Object.keys(counts).sort().forEach(function (k) {
      var o = el("option", null, k + " (" + counts[k] + ")");
      o.value = k;
      select.appendChild(o);
    });
  }
  function summary() {
    var sev = {error: 0, warning: 0, info: 0}, structures = {}, rules = {};
    function count(table, words) {
      (words || "").split(" ").forEach(function (w) { if (w) table[w] = (table[w] || 0) + 1; });
    }
    blocks.forEach(function (b) {
      if (b.severity) sev[b.severity] += 1;
      count(structures, b.structure);
      count(rules, b.rules);
    });
    $("summary").textContent = blocks.length + " records · " + sev.error + " with errors · " + sev.warning + " with warnings";
    options($("structure"), structures);
    options($("rule"), rules);
  }
  function go(no, focus) {
    var want = no - 1;
    if (!(want >= 0 && want < blocks.length)) return;
    var at = list.indexOf(want);
    if (at < 0) {  // hidden by a filter: show every record again
      state = {severity: "all", structure: "", rule: "", query: ""};
      ["search", "structure", "rule"].forEach(function (id) { $(id).value = ""; });
      $("filter").value = "all";
      refilter();
      at = list.indexOf(want);
    }
    show(Math.floor(at / pageSize));
    var sec = $("record-" + no);
    if (!sec) return;
    sec.scrollIntoView();  // below the sticky header: html's scroll-padding-top
    if (focus) sec.focus({preventScroll: true});
  }
  function hashRecord() { var m = /^#record-(\d+)$/.exec(location.hash); return m ? +m[1] : null; }
  function fitHeader() {
    document.documentElement.style.setProperty("--top", $("top").offsetHeight + "px");
  }
  // Every control is read whenever one changes (typing waits for a pause).
  function update() {
    state = {severity: $("filter").value, structure: $("structure").value, rule: $("rule").value,
      query: $("search").value.trim().toLowerCase()};
    refilter(); show(0);
  }
  var timer = null;
  $("search").addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 150); });
  ["structure", "filter", "rule"].forEach(function (id) { $(id).addEventListener("change", update); });
  $("controls").addEventListener("submit", function (ev) { ev.preventDefault(); });
  $("prev").addEventListener("click", function () { show(page - 1); });
  $("next").addEventListener("click", function () { show(page + 1); });
  $("goto").addEventListener("change", function (ev) {
    var target = "#record-" + (+ev.target.value);
    if (location.hash === target) go(+ev.target.value, false); else location.hash = target;
  });
  window.addEventListener("hashchange", function () { var no = hashRecord(); if (no) go(no, true); });
  function boot() {
    order = list = blocks.map(function (_, i) { return i; });
    summary();
    fitHeader();  // after summary(): the filters' options widen the header, which may wrap
    if (window.ResizeObserver) new ResizeObserver(fitHeader).observe($("top"));
    else window.addEventListener("resize", fitHeader);
    show(0);
    if (hashRecord()) go(hashRecord(), true);
  }
  loadRecords().then(boot, function (e) {
    main.textContent = "";
    main.appendChild(el("p", "err", "the records could not be unpacked: " + e));
  }).then(function () { booted = true; settle(); });
})();
