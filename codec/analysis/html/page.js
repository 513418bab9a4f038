// iscsitgt-spt decode --html. Records are JSON in <script type="application/json" class="rec">
// blocks; only the current page of records is rendered, on demand. Hex bytes and member rows
// are linked both ways: hover or select (click) one and the other lights up.
(function () {
  "use strict";
  var blocks = Array.prototype.slice.call(document.querySelectorAll("script.rec"));
  var cache = new Map();
  var main = document.getElementById("records");
  var pageSize = 25, page = 0, filter = "all";

  function doc(i) {
    if (!cache.has(i)) cache.set(i, JSON.parse(blocks[i].textContent));
    return cache.get(i);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function hex2(n) { return ("0" + n.toString(16)).slice(-2); }
  function addr(n) { return ("0000" + n.toString(16)).slice(-4); }

  // -- one buffer: tree + hex, linked -----------------------------------------------------
  function innermost(members, off) {
    var best = null;
    for (var k = 0; k < members.length; k++) {
      var m = members[k];
      if (m[1] <= off && off < m[1] + m[2] && (best === null || m[2] < best[2])) best = m;
    }
    return best;
  }
  function renderBuffer(buf, recIndex) {
    var box = el("div", "buf");
    box.dataset.buffer = buf.label;
    var head = buf.label + ": " + (buf.hex.length / 2) + " bytes" + (buf.name ? " · " + buf.name : "");
    box.appendChild(el("h3", null, head));
    if (buf.error) box.appendChild(el("div", "err", "error: " + buf.error));
    var pair = el("div", "pair");
    var members = buf.members || [];
    // Tree
    var left = el("div");
    if (members.length) {
      var table = el("table", "tree");
      var thead = el("tr");
      ["offset", "member", "C type", "value"].forEach(function (h) { thead.appendChild(el("th", null, h)); });
      table.appendChild(thead);
      members.forEach(function (m, k) {
        var tr = el("tr", "m k-" + m[3] + (m[6] ? " odd" : ""));
        tr.dataset.o = m[1]; tr.dataset.n = m[2]; tr.dataset.k = k; tr.dataset.path = m[0];
        tr.appendChild(el("td", "o", m[1] + (m[7] !== null ? "." + m[7] : "")));
        var depth = m[0].split(".").length - 1;
        var name = el("td", "p", m[0].split(".").pop());
        name.style.paddingLeft = (4 + depth * 14) + "px";
        name.title = m[0] + " @" + m[1] + " (0x" + m[1].toString(16) + "), " + m[2] + " byte" + (m[2] === 1 ? "" : "s");
        tr.appendChild(name);
        tr.appendChild(el("td", "t", m[4] + (m[7] !== null ? " :" + m[7] : "")));
        tr.appendChild(el("td", "v", m[5]));
        table.appendChild(tr);
      });
      left.appendChild(table);
    }
    // Hex
    var right = el("div", "hex");
    var n = buf.hex.length / 2;
    var kindAt = new Array(n), bad = new Set();
    members.forEach(function (m) {
      if (m[3] === "p") for (var o = m[1]; o < m[1] + m[2] && o < n; o++) kindAt[o] = "p";
    });
    var covered = members.length ? (buf.size || 0) : 0;
    (buf.findings || []).forEach(function (f) { bad.add(f[3]); });
    if (buf.error_offset !== undefined) bad.add(buf.error_offset);
    for (var row = 0; row < n; row += 16) {
      var line = el("span", "row");
      line.appendChild(el("span", "addr", addr(row)));
      var text = el("span", "ascii");
      for (var o = row; o < Math.min(row + 16, n); o++) {
        var mark = (kindAt[o] ? " " + kindAt[o] : "") +
          (members.length && o >= covered ? " x" : "") + (bad.has(o) ? " bad" : "");
        var pair2 = buf.hex.substr(o * 2, 2), code = parseInt(pair2, 16);
        var b = el("span", "b" + (o % 16 === 8 ? " gap" : "") + mark, pair2);
        b.dataset.o = o;
        line.appendChild(b);
        // The ASCII column: the same byte, lit with it (class c, not b: one b per offset).
        var c = el("span", "c" + mark, code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : ".");
        c.dataset.o = o;
        text.appendChild(c);
      }
      line.appendChild(text);
      right.appendChild(line);
    }
    pair.appendChild(left); pair.appendChild(right);
    box.appendChild(pair);
    // Findings with links to their bytes
    if ((buf.findings || []).length) {
      var ul = el("ul", "findings");
      buf.findings.forEach(function (f) {
        var li = el("li", f[0]);
        var a = el("a", "finding", f[0] + " at 0x" + f[3].toString(16));
        a.href = "#"; a.dataset.o = f[3]; a.dataset.member = f[5] || ""; a.dataset.n = f[6];
        li.appendChild(a);
        li.appendChild(document.createTextNode(": " + (f[2] ? f[2] + ": " : "") + f[4] + " [" + f[1] + "]"));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    link(box, members);
    return box;
  }

  function link(box, members) {
    var bytes = box.querySelectorAll(".hex .b");
    var chars = box.querySelectorAll(".hex .c");
    var rows = box.querySelectorAll("tr.m");
    function light(cls, o, len, k) {
      box.querySelectorAll("." + cls).forEach(function (e) { e.classList.remove(cls); });
      if (o === null) return;
      for (var i = o; i < o + len && i < bytes.length; i++) {
        bytes[i].classList.add(cls);
        chars[i].classList.add(cls);
      }
      if (k !== null && rows[k]) rows[k].classList.add(cls);
    }
    function forMember(tr, cls) { light(cls, +tr.dataset.o, +tr.dataset.n, +tr.dataset.k); }
    function forByte(b, cls) {
      var o = +b.dataset.o, m = innermost(members, o);
      if (m === null) { light(cls, o, 1, null); return; }
      light(cls, m[1], m[2], members.indexOf(m));
    }
    box.addEventListener("mouseover", function (ev) {
      var t = ev.target.closest("tr.m, .hex .b, .hex .c");
      if (!t) return;
      if (t.matches("tr.m")) forMember(t, "hov"); else forByte(t, "hov");
    });
    box.addEventListener("mouseleave", function () { light("hov", null); });
    box.addEventListener("click", function (ev) {
      var t = ev.target.closest("tr.m, .hex .b, .hex .c, a.finding");
      if (!t) return;
      if (t.matches("a.finding")) {
        ev.preventDefault();
        var hit = members.filter(function (x) { return x[0] === t.dataset.member; })[0];
        if (hit) light("sel", hit[1], hit[2], members.indexOf(hit));
        else light("sel", +t.dataset.o, +t.dataset.n, null);
        var first = box.querySelector(".hex .b.sel");
        if (first) first.scrollIntoView({block: "nearest"});
        return;
      }
      if (t.matches("tr.m")) forMember(t, "sel"); else forByte(t, "sel");
    });
  }

  // -- one record ----------------------------------------------------------------------------
  function renderRecord(i) {
    var d = doc(i);
    var sec = el("section", "rec" + (d.severity ? " sev-" + d.severity : ""));
    sec.id = "record-" + (d.i + 1);
    sec.dataset.record = d.i + 1;
    var h = el("h2", null, d.title);
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
    d.buffers.forEach(function (b) { sec.appendChild(renderBuffer(b, i)); });
    if (d.changes) {
      var c = el("ul", "findings");
      d.changes.forEach(function (x) { c.appendChild(el("li", null, "changed by the driver: " + x[0] + " @0x" + x[1].toString(16) + ": " + x[2] + " → " + x[3])); });
      sec.appendChild(c);
    }
    if (d.sense) sec.appendChild(el("pre", "sense", d.sense));
    return sec;
  }

  // -- paging ----------------------------------------------------------------------------------
  var order = blocks.map(function (_, i) { return i; });
  function selected() {
    if (filter === "all") return order;
    return order.filter(function (i) { return blocks[i].dataset.severity === filter || (filter === "any" && blocks[i].dataset.severity); });
  }
  function show(p) {
    var list = selected();
    var pages = Math.max(1, Math.ceil(list.length / pageSize));
    page = Math.max(0, Math.min(p, pages - 1));
    main.textContent = "";
    list.slice(page * pageSize, (page + 1) * pageSize).forEach(function (i) { main.appendChild(renderRecord(i)); });
    document.getElementById("pageinfo").textContent = "page " + (page + 1) + " / " + pages + " (" + list.length + " records)";
  }
  function summary() {
    var counts = {error: 0, warning: 0, info: 0};
    blocks.forEach(function (b) { if (b.dataset.severity) counts[b.dataset.severity] += 1; });
    document.getElementById("summary").textContent = blocks.length + " records · " + counts.error +
      " with errors · " + counts.warning + " with warnings";
  }
  document.getElementById("prev").addEventListener("click", function () { show(page - 1); });
  document.getElementById("next").addEventListener("click", function () { show(page + 1); });
  document.getElementById("filter").addEventListener("change", function (ev) { filter = ev.target.value; show(0); });
  document.getElementById("goto").addEventListener("change", function (ev) {
    var want = +ev.target.value - 1, list = selected(), at = list.indexOf(want);
    if (at < 0) return;
    show(Math.floor(at / pageSize));
    var sec = document.getElementById("record-" + (want + 1));
    if (sec) sec.scrollIntoView();
  });
  summary();
  var start = /^#record-(\d+)$/.exec(location.hash);
  show(start ? Math.floor((+start[1] - 1) / pageSize) : 0);
  document.body.dataset.ready = "1";
})();
