// Bundles the widget for the Python package: segwidget/static/widget.{js,css}, and the offline report's
// entry (segwidget/static/report.{js,css}, inlined by segwidget/report/build.py). `--watch` rebuilds on change.
import * as esbuild from "esbuild";

const watch = process.argv.includes("--watch");
const options = {
  entryPoints: [
    { in: "js/src/widget.ts", out: "widget" },
    { in: "js/src/view/widget.css", out: "widget" },
    { in: "js/src/report/report.ts", out: "report" },
    { in: "js/src/report/report.css", out: "report" },
  ],
  outdir: "segwidget/static",
  bundle: true,
  format: "esm",
  target: ["es2022"],
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  logLevel: "info",
};

if (watch) {
  await (await esbuild.context(options)).watch();
} else {
  await esbuild.build(options);
}
