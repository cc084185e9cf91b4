// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { detectTheme, watchTheme } from "../../src/view/theme";

// The body classes VS Code's webviews set for each kind of colour theme.
const VSCODE: [string, string[], "light" | "dark"][] = [
  ["Light", ["vscode-light"], "light"],
  ["Dark", ["vscode-dark"], "dark"],
  ["High Contrast", ["vscode-high-contrast"], "dark"],
  ["High Contrast Light", ["vscode-high-contrast-light", "vscode-high-contrast"], "light"],
];

afterEach(() => {
  document.body.className = "";
  delete document.body.dataset.jpThemeLight;
});

describe("detectTheme", () => {
  for (const [name, classes, expected] of VSCODE) {
    it(`VS Code ${name} is ${expected}`, () => {
      document.body.classList.add(...classes);
      expect(detectTheme(document)).toBe(expected);
    });
  }

  it("High Contrast Light is light whatever the order of its classes", () => {
    document.body.classList.add("vscode-high-contrast", "vscode-high-contrast-light");
    expect(detectTheme(document)).toBe("light");
  });

  it("JupyterLab's attribute decides before VS Code's classes", () => {
    document.body.classList.add("vscode-dark");
    document.body.dataset.jpThemeLight = "true";
    expect(detectTheme(document)).toBe("light");
  });
});

describe("watchTheme", () => {
  it("reports a switch from High Contrast to High Contrast Light", async () => {
    document.body.classList.add("vscode-high-contrast");
    const seen: string[] = [];
    const stop = watchTheme((t) => seen.push(t), document);
    document.body.classList.add("vscode-high-contrast-light");
    await new Promise((r) => setTimeout(r, 0)); // MutationObserver callbacks are microtasks
    stop();
    expect(seen).toEqual(["light"]);
  });
});
