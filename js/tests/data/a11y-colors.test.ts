// Contrast and colour vision, computed from the colours the code and the style sheets define:
// - WCAG 2.1 contrast (relative luminance): text ≥ 4.5:1 and bars, marks and focus rings ≥ 3:1 against their
//   background, in the widget's and the report's light and dark fallbacks (JupyterLab's own themes are audited
//   by axe-core in tests/browser/test_browser_a11y.py);
// - every encoding by two or three colours stays apart under protanopia and deuteranopia: Machado, Oliveira &
//   Fernandes (2009), "A physiologically-based model for simulation of color vision deficiency", severity 1.0
//   matrices on linear RGB, then CIE L*a*b* (D65) and ΔE*ab ≥ MIN_DELTA_E between every two of them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DIFFERENCE } from "../../src/data/change-colors";
import { PAIR, parseHex, type RGB } from "../../src/data/colors";
import { BETTER, MATCHING, WORSE } from "../../src/report/charts";
import { SIZE_COLORS } from "../../src/report/objects-chart";

const PROTANOPIA = [
  [0.152286, 1.052583, -0.204868],
  [0.114503, 0.786281, 0.099216],
  [-0.003882, -0.048116, 1.051998],
];
const DEUTERANOPIA = [
  [0.367322, 0.860646, -0.227968],
  [0.280085, 0.672501, 0.047413],
  [-0.01182, 0.04294, 0.968881],
];
const NORMAL = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
/** Least ΔE*ab between two colours of one encoding, for every vision (the old red / green had 13.8–22.2). */
const MIN_DELTA_E = 30;

const linear = (c: number) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const luminance = (rgb: RGB) => {
  const [r, g, b] = rgb.map(linear);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
/** WCAG 2.1's contrast ratio. */
function contrast(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function simulate(m: number[][], rgb: RGB): number[] {
  const l = rgb.map(linear);
  return m.map((row) => Math.min(1, Math.max(0, row[0] * l[0] + row[1] * l[1] + row[2] * l[2])));
}

/** Linear sRGB → CIE L*a*b* (D65 white). */
function lab([r, g, b]: number[]): number[] {
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** The least ΔE*ab between any two of `colors` as seen through matrix `m`. */
function leastDistance(m: number[][], colors: readonly RGB[]): number {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < colors.length; i++)
    for (let j = i + 1; j < colors.length; j++) {
      const [a, b] = [lab(simulate(m, colors[i])), lab(simulate(m, colors[j]))];
      least = Math.min(least, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
    }
  return least;
}

const hex = (s: string): RGB => {
  const rgb = parseHex(s);
  if (!rgb) throw new Error(`not a colour: ${s}`);
  return rgb;
};

/** The custom properties of the first rule whose selector is `selector` in a style sheet: the last hex colour
 * of each declaration (a var() fallback chain ends in the widget's own colour). */
function properties(file: string, selector: string): Record<string, RGB> {
  const css = readFileSync(new URL(`../../src/${file}`, import.meta.url), "utf8");
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`${selector} not in ${file}`);
  const body = css.slice(start, css.indexOf("}", start));
  const out: Record<string, RGB> = {};
  for (const m of body.matchAll(/(--[\w-]+):([^;]+);/g)) {
    const colours = m[2].match(/#[0-9a-f]{6}\b/gi);
    if (colours) out[m[1]] = hex(colours[colours.length - 1]);
  }
  return out;
}

const widget = {
  light: properties("view/widget.css", ".segwidget"),
  dark: properties("view/widget.css", '.segwidget[data-theme="dark"]'),
};
const report = {
  light: properties("report/report.css", ":root"),
  dark: properties("report/report.css", "@media (prefers-color-scheme: dark) {\n  :root"),
};
const WHITE: RGB = [255, 255, 255];
const BLACK: RGB = [0, 0, 0];

describe("contrast", () => {
  for (const theme of ["light", "dark"] as const) {
    it(`widget, ${theme}: text 4.5:1, focus rings, selection and bars 3:1`, () => {
      const v = widget[theme];
      for (const bg of [v["--sw-bg"], v["--sw-bg2"]]) {
        expect(contrast(v["--sw-fg"], bg)).toBeGreaterThanOrEqual(4.5);
        expect(contrast(v["--sw-fg2"], bg)).toBeGreaterThanOrEqual(4.5);
        expect(contrast(v["--sw-accent"], bg)).toBeGreaterThanOrEqual(3); // focus ring, chosen bins
        expect(contrast(v["--sw-select"], bg)).toBeGreaterThanOrEqual(3); // the selected cell's outline
      }
      // a histogram's bars: the slice's (fg2) and the outline of all images' (fg2) on bg3 and on the page
      expect(contrast(v["--sw-fg2"], v["--sw-bg3"])).toBeGreaterThanOrEqual(3);
      // a pressed chip's text on the accent: white in light, black in dark (a11y.css)
      expect(contrast(theme === "light" ? WHITE : BLACK, v["--sw-accent"])).toBeGreaterThanOrEqual(4.5);
      expect(contrast(BLACK, v["--sw-warn"] ?? widget.light["--sw-warn"])).toBeGreaterThanOrEqual(4.5); // badge
    });

    it(`report, ${theme}: text 4.5:1; bar outlines, the loss chart's bars and the focus ring 3:1`, () => {
      const v = report[theme];
      expect(contrast(v["--swr-fg"], v["--swr-bg"])).toBeGreaterThanOrEqual(4.5);
      expect(contrast(v["--swr-fg2"], v["--swr-bg"])).toBeGreaterThanOrEqual(4.5);
      expect(contrast(v["--swr-accent"], v["--swr-bg"])).toBeGreaterThanOrEqual(3);
      // every IoU bar is outlined in fg2, whatever its class colour; the loss chart's bars
      expect(contrast(v["--swr-fg2"], v["--swr-bg"])).toBeGreaterThanOrEqual(3);
      expect(contrast(hex(MATCHING), v["--swr-bg"])).toBeGreaterThanOrEqual(3);
      for (const c of [BETTER, WORSE]) expect(contrast(hex(c), v["--swr-bg"])).toBeGreaterThanOrEqual(3);
    });

    it(`the objects chart's three size colours, ${theme}: 3:1 on the report's and the widget's backgrounds`, () => {
      const backgrounds = [report[theme]["--swr-bg"], widget[theme]["--sw-bg"], widget[theme]["--sw-bg2"]];
      for (const c of SIZE_COLORS) for (const bg of backgrounds) expect(contrast(hex(c), bg)).toBeGreaterThanOrEqual(3);
    });
  }

  it("the heatmap's focus cell: a dashed outline over one of the opposite lightness, 21:1 between them", () => {
    expect(contrast(WHITE, BLACK)).toBeCloseTo(21, 5);
  });
});

describe("colour vision", () => {
  const encodings: [string, RGB[]][] = [
    ["difference layer", [DIFFERENCE.fixed, DIFFERENCE.broke, DIFFERENCE.both]],
    ["pair layer of a class", [PAIR.tp, PAIR.fn, PAIR.fp]],
    ["IoU change up / down", [hex(BETTER), hex(WORSE)]],
    ["objects chart's small / medium / large", SIZE_COLORS.map(hex)],
  ];
  for (const [name, colors] of encodings)
    for (const [vision, m] of [
      ["normal", NORMAL],
      ["protanopia", PROTANOPIA],
      ["deuteranopia", DEUTERANOPIA],
    ] as const)
      it(`${name} stays apart, ${vision}`, () => {
        expect(leastDistance(m, colors)).toBeGreaterThanOrEqual(MIN_DELTA_E);
      });

  it("the measure tells the old red / green apart from the new colours (the test can fail)", () => {
    const old: RGB[] = [
      [30, 170, 80],
      [230, 30, 40],
      [255, 170, 0],
    ];
    expect(leastDistance(NORMAL, old)).toBeGreaterThan(MIN_DELTA_E);
    expect(leastDistance(DEUTERANOPIA, old)).toBeLessThan(MIN_DELTA_E);
    expect(leastDistance(PROTANOPIA, old)).toBeLessThan(MIN_DELTA_E);
    // a colour seen by a dichromat equals itself: the simulation of grey is grey
    expect(
      leastDistance(DEUTERANOPIA, [
        [128, 128, 128],
        [128, 128, 128],
      ]),
    ).toBeLessThan(1);
  });
});
