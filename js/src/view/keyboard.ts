// Keyboard paths that several views share: the heatmap's focus cell (moved by the arrows, chosen by Enter or
// Space), and Tab between the explorer's regions, one stop each, with the arrows moving inside a region.

import type { Cell } from "../data/protocol";
import { cellCenter, type Layout } from "./layout";
import { focusTips } from "./tips";

const STEPS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

export type HeatmapAction = { kind: "move"; cell: Cell } | { kind: "select"; cell: Cell } | null;

/**
 * What `key` does on the heatmap with the focus cell at `focus`: the arrows move it one class along `order`
 * (clamped at the ends; Home / End jump to the row's first / last class), Enter or Space select it; anything else
 * is left to the page. Moving never selects: a selection re-ranks the gallery, a round trip per press.
 */
export function heatmapKey(key: string, focus: Cell, order: readonly number[]): HeatmapAction {
  if (order.length === 0) return null;
  if (key === "Enter" || key === " ") return { kind: "select", cell: focus };
  const at = (c: number) => Math.max(0, order.indexOf(c));
  const clamp = (v: number) => Math.min(order.length - 1, Math.max(0, v));
  if (key === "Home" || key === "End")
    return { kind: "move", cell: [focus[0], order[key === "Home" ? 0 : order.length - 1]] };
  const step = STEPS[key];
  if (!step) return null;
  return { kind: "move", cell: [order[clamp(at(focus[0]) + step[0])], order[clamp(at(focus[1]) + step[1])]] };
}

/** Where the focus cell starts: kept if its classes are still shown, else the top-left drawn cell. */
export function startFocus(focus: Cell | null, order: readonly number[], rows: number[], cols: number[]): Cell | null {
  if (focus && order.includes(focus[0]) && order.includes(focus[1])) return focus;
  return rows.length > 0 && cols.length > 0 ? [rows[0], cols[0]] : null;
}

/** Where the focus cell's tooltip points: the cell's centre in client coordinates, or null when not drawn. */
export function focusPoint(L: Layout, [t, p]: Cell, canvas: Element): { x: number; y: number } | null {
  const at = cellCenter(L, t, p);
  const box = canvas.getBoundingClientRect();
  return at && { x: box.left + at.x, y: box.top + at.y };
}

const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex], [contenteditable="true"], summary';

/** Elements in `within` (itself included) that can take focus and are shown, in document order. */
export function focusables(within: Element | Document): HTMLElement[] {
  const self = within instanceof HTMLElement && within.matches(FOCUSABLE) ? [within] : [];
  return [...self, ...within.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !(el as HTMLButtonElement).disabled && !el.closest("[hidden], [inert]") && el.getClientRects().length > 0,
  );
}

/**
 * A region of the explorer: one Tab stop. `roving` regions move between their controls with the arrows (a control
 * keeps the arrows it needs: a text field Left / Right, a select Up / Down, so each has two to leave by); the
 * others keep their own arrow keys (the heatmap, the gallery), and `native` ones are walked with Tab inside (the
 * open detail).
 */
export interface Region {
  name: string;
  els: () => readonly HTMLElement[];
  /** The control Tab lands on first (the region's main control); the last one focused is preferred after. */
  entry?: () => HTMLElement | null;
  roving?: boolean;
  native?: boolean;
}

/** Keys a control keeps for itself (a text field's Left / Right / Home / End, a select's Up / Down, a slider's all). */
export function ownsKey(el: HTMLElement, key: string): boolean {
  const vertical = key === "ArrowUp" || key === "ArrowDown";
  if (el instanceof HTMLTextAreaElement || el.isContentEditable) return true;
  if (el instanceof HTMLSelectElement) return vertical;
  if (!(el instanceof HTMLInputElement) || ["checkbox", "radio", "button", "submit", "reset"].includes(el.type))
    return false;
  return el.type === "range" || el.type === "number" || !vertical;
}

/** The next index in a roving move (Left / Up back, Right / Down forth, Home, End), or null when `key` is none. */
export function rovingIndex(key: string, at: number, count: number): number | null {
  const back = key === "ArrowLeft" || key === "ArrowUp";
  const forth = key === "ArrowRight" || key === "ArrowDown";
  if (count === 0) return null;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  if (back) return Math.max(0, at - 1);
  if (forth) return Math.min(count - 1, at + 1);
  return null;
}

/**
 * Tab and Shift+Tab inside `root` go from region to region in the order given (not the DOM's), landing on the
 * control last used there; past the last region (or before the first) focus leaves the explorer for the page's
 * next (previous) control. Returns a function that removes the listeners.
 */
export function regionTabs(root: HTMLElement, regions: readonly Region[]): () => void {
  const last = new Map<string, HTMLElement>();
  const owner = (el: Element | null) => regions.findIndex((r) => r.els().some((e) => e.contains(el)));
  const inside = (r: Region) => r.els().flatMap((e) => focusables(e));
  const landing = (r: Region): HTMLElement | null => {
    const remembered = last.get(r.name);
    const all = inside(r);
    if (remembered && all.includes(remembered)) return remembered;
    const entry = r.entry?.();
    return entry && all.includes(entry) ? entry : (all[0] ?? null);
  };
  const onFocusIn = (e: FocusEvent) => {
    const i = owner(e.target as Element);
    if (i >= 0) last.set(regions[i].name, e.target as HTMLElement);
  };
  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    const i = owner(target);
    if (i < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const region = regions[i];
    if (e.key === "Tab") {
      if (region.native) {
        // Tab moves through a native region's controls, and out of it only from its first / last one.
        const all = inside(region);
        const edge = e.shiftKey ? all[0] : all[all.length - 1];
        if (target !== edge && all.includes(target)) return;
      }
      e.preventDefault();
      e.stopPropagation();
      for (let j = i + (e.shiftKey ? -1 : 1); j >= 0 && j < regions.length; j += e.shiftKey ? -1 : 1) {
        const to = landing(regions[j]);
        if (to) {
          to.focus();
          return;
        }
      }
      leave(root, e.shiftKey ? -1 : 1);
      return;
    }
    if (!region.roving || ownsKey(target, e.key)) return;
    const all = inside(region);
    const next = rovingIndex(e.key, all.indexOf(target), all.length);
    if (next === null || all.indexOf(target) < 0) return;
    e.preventDefault();
    e.stopPropagation();
    all[next].focus();
  };
  root.addEventListener("focusin", onFocusIn);
  root.addEventListener("keydown", onKey);
  return () => {
    root.removeEventListener("focusin", onFocusIn);
    root.removeEventListener("keydown", onKey);
  };
}

/** Focus the page's first tabbable control after `root` (direction 1) or the last one before it (−1). */
function leave(root: HTMLElement, direction: 1 | -1): void {
  const all = focusables(root.ownerDocument).filter((el) => el.tabIndex >= 0 && !root.contains(el));
  const after = (el: HTMLElement) => Boolean(root.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const to = direction > 0 ? all.find(after) : [...all].reverse().find((el) => !after(el));
  if (to) to.focus();
  else (root.ownerDocument.activeElement as HTMLElement | null)?.blur();
}

/** The explorer's parts that take part in Tab. */
export interface ExplorerParts {
  toolbar: readonly HTMLElement[];
  heatmap: HTMLElement;
  detail: HTMLElement;
  /** The gallery's listbox (its section's other controls belong to its region too). */
  gallery: HTMLElement;
  panels: readonly HTMLElement[];
}

/**
 * The explorer's keyboard: one Tab stop per region, in the order the eye follows (toolbar, heatmap, the open image,
 * gallery, panels), and the focused control's title shown beside it. Returns a function that undoes both.
 */
export function explorerKeyboard(root: HTMLElement, parts: ExplorerParts): () => void {
  const gallery = parts.gallery.parentElement ?? parts.gallery;
  const stopTips = focusTips(root);
  const stopTabs = regionTabs(root, [
    { name: "toolbar", els: () => parts.toolbar, roving: true },
    { name: "heatmap", els: () => [parts.heatmap] },
    { name: "detail", els: () => [parts.detail], entry: () => parts.detail, native: true },
    { name: "gallery", els: () => [gallery], entry: () => parts.gallery, native: true },
    { name: "panels", els: () => parts.panels, roving: true },
  ]);
  return () => {
    stopTabs();
    stopTips();
  };
}
