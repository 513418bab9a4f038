// Compile a .ksy with the Kaitai Struct compiler (npm package, programmatic API) to Python.
// Usage: NODE_PATH=<dir>/node_modules node ksc_compile.js FILE.ksy OUTDIR
// The .ksy text is read by js-yaml, exactly as the Web IDE reads it.
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");
const compiler = require("kaitai-struct-compiler");

const [src, outdir] = process.argv.slice(2);
const ksy = yaml.load(fs.readFileSync(src, "utf8"));
compiler.compile("python", ksy, null, false).then(
  (files) => {
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(outdir, name), text);
      console.log(name);
    }
  },
  (err) => {
    console.error(String(err && err.stack ? err.stack : err));
    process.exit(1);
  },
);
