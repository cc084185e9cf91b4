// The host's look: light or dark (JupyterLab's body data attribute, VS Code's body classes, else the OS),
// the device pixel ratio canvases are drawn for, and the boxes whose size the views follow.

import type { Theme } from "../data/colors";

export function detectTheme(doc: Document = document): Theme {
  const body = doc.body;
  const jp = body?.dataset.jpThemeLight;
  if (jp === "true") return "light";
  if (jp === "false") return "dark";
  // VS Code's High Contrast Light theme sets both `vscode-high-contrast-light` and `vscode-high-contrast`:
  // the light classes decide first.
  const vscode = body?.classList;
  if (vscode?.contains("vscode-light") || vscode?.contains("vscode-high-contrast-light")) return "light";
  if (vscode?.contains("vscode-dark") || vscode?.contains("vscode-high-contrast")) return "dark";
  const mq = doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)");
  return mq?.matches ? "dark" : "light";
}

/** Call `onChange` whenever the detected theme changes; returns the cleanup. */
export function watchTheme(onChange: (theme: Theme) => void, doc: Document = document): () => void {
  let current = detectTheme(doc);
  const check = () => {
    const next = detectTheme(doc);
    if (next !== current) {
      current = next;
      onChange(next);
    }
  };
  const observer = new MutationObserver(check);
  if (doc.body) observer.observe(doc.body, { attributes: true, attributeFilter: ["class", "data-jp-theme-light"] });
  const mq = doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)");
  mq?.addEventListener?.("change", check);
  return () => {
    observer.disconnect();
    mq?.removeEventListener?.("change", check);
  };
}

/** A CSS custom property of `el` (the theme's colours for canvas drawing), or the fallback. */
export function cssVar(el: Element, name: string, fallback: string): string {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v || fallback;
}

/** Redraw canvases when the device pixel ratio changes (zoom, moving to another screen). */
export function watchDpr(onChange: () => void): () => void {
  let mq: MediaQueryList | undefined;
  const listen = () => {
    mq?.removeEventListener?.("change", changed);
    mq = window.matchMedia?.(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    mq?.addEventListener?.("change", changed);
  };
  const changed = () => {
    listen();
    onChange();
  };
  listen();
  return () => mq?.removeEventListener?.("change", changed);
}

/** Call each element's callback when its box changes size (nothing where ResizeObserver is missing). */
export function watchSizes(...watched: [Element, () => void][]): () => void {
  if (typeof ResizeObserver !== "function") return () => {};
  const callbacks = new Map(watched);
  const observer = new ResizeObserver((entries) => {
    for (const e of entries) callbacks.get(e.target)?.();
  });
  for (const [el] of watched) observer.observe(el);
  return () => observer.disconnect();
}
