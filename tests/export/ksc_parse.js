// Parse records with KSC-generated JavaScript parsers (debug mode: no auto-read) in one process.
// Usage: NODE_PATH=<dir>/node_modules node ksc_parse.js < records.jsonl > parsed.jsonl
// Input lines: {"module": FILE.js, "root": "IscsitgtSptWin64U64", "type": "SenseData"|null,
// "hex": "..."}.  Output lines: {"fields": {...}, "error": null | {"kind", "at"}}, field
// names in snake_case as in the .ksy; byte arrays as hex; the text instances of the helper
// types as "text" (null when the runtime could not decode them).
"use strict";
const readline = require("readline");
const KaitaiStream = require("kaitai-struct/KaitaiStream");

const modules = new Map();
const snake = (k) => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
const hex = (b) => Buffer.from(b).toString("hex");

function value(v) {
  if (v instanceof Uint8Array) return hex(v);
  if (v !== null && typeof v === "object" && v._io) return dump(v);
  return v === undefined ? null : v;
}

function dump(obj) {
  const out = {};
  for (const k of Object.keys(obj._debug || {})) {
    // (_m_*: instances read, dumped by the caller under their own names)
    if (k in obj && !k.startsWith("_m_")) out[snake(k)] = value(obj[k]);
  }
  if ("raw" in out) {
    try { out.text = obj.text; } catch (e) { out.text = null; }
  }
  return out;
}

// Where a parse stopped: the last field begun, descending into the structure being read
// (the 0.11 runtime drops the errors' srcPath, so the debug map is the witness).
function where(obj) {
  const keys = Object.keys((obj && obj._debug) || {});
  if (!keys.length) return [];
  const k = keys[keys.length - 1];
  const v = obj[k];
  return [snake(k), ...(v && v._debug ? where(v) : [])];
}

function classify(err, obj) {
  if (/^Validation/.test(err && err.name)) return { kind: "validation", at: where(obj) };
  if (err instanceof KaitaiStream.EOFError) return { kind: "eof", at: where(obj) };
  return { kind: "other", at: [String(err)] };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const rec = JSON.parse(line);
  if (!modules.has(rec.module)) modules.set(rec.module, require(rec.module)[rec.root]);
  const root = modules.get(rec.module);
  const cls = rec.type ? root[rec.type] : root;
  const obj = new cls(new KaitaiStream(Buffer.from(rec.hex, "hex")));
  let error = null;
  try { obj._read(); } catch (err) { error = classify(err, obj); }
  const fields = dump(obj);
  if (!rec.type && !error) {
    try { fields.request = dump(obj.request); } catch (err) { error = classify(err, obj); }
  }
  process.stdout.write(JSON.stringify({ fields, error }) + "\n");
});
