// Compile a .ksy with the Kaitai Struct compiler (npm package, programmatic API).
// Usage: NODE_PATH=<dir>/node_modules node ksc_compile.js FILE.ksy OUTDIR [TARGET,...] [--debug]
// TARGET defaults to python; OUTDIR/<target>/ receives each target's files (one name a line
// on stdout, as target/name).  --debug compiles without auto-read (fields read before a
// failed `valid:` stay readable).  The .ksy text is read by js-yaml, exactly as the Web IDE
// reads it.
// Several files in one run (one start of node and of the compiler):
//   node ksc_compile.js --each TARGET,... FILE.ksy OUTDIR [FILE.ksy OUTDIR ...] [--debug]
// prints "OUTDIR<TAB>target/name" a line.
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");
const compiler = require("kaitai-struct-compiler");

const args = process.argv.slice(2);
const debug = args.includes("--debug");
const positional = args.filter((a) => a !== "--debug");
const each = positional[0] === "--each";
const jobs = [];
if (each) {
  for (let i = 2; i + 1 < positional.length; i += 2) {
    jobs.push([positional[i], positional[i + 1], positional[1]]);
  }
} else {
  const [src, outdir, targets = "python"] = positional;
  jobs.push([src, outdir, targets]);
}

(async () => {
  for (const [src, outdir, targets] of jobs) {
    const ksy = yaml.load(fs.readFileSync(src, "utf8"));
    for (const target of targets.split(",")) {
      const files = await compiler.compile(target, ksy, null, debug);
      const dir = path.join(outdir, target);
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
        console.log(each ? `${outdir}\t${target}/${name}` : `${target}/${name}`);
      }
    }
  }
})().catch((err) => {
  // Scala.js boxes the compiler's own exception; print the box's fields to show its cause.
  const causes = Object.values(err || {}).filter((v) => v && typeof v === "object");
  console.error([String(err), ...causes.map(String)].join("\ncaused by: "));
  process.exit(1);
});
