// Tooltips for the keyboard: a control's title shows on hover only, so while a control has keyboard focus its
// title is shown beside it too (dismissed by Escape, WCAG 1.4.13), in an element screen readers skip (the title
// is already the control's description).

import { h } from "../data/format";

/** Show the title of the control focused from the keyboard inside `root`; returns a function that stops. */
export function focusTips(root: HTMLElement): () => void {
  const tip = h("div", "sw-focus-tip");
  tip.dataset.testid = "segwidget-focus-tip";
  tip.setAttribute("aria-hidden", "true");
  tip.hidden = true;
  root.append(tip);
  const hide = () => {
    tip.hidden = true;
  };
  const show = (e: FocusEvent) => {
    const el = e.target as HTMLElement;
    const text = el.getAttribute("title");
    if (!text || !keyboardFocus(el)) return hide();
    tip.textContent = text;
    tip.hidden = false;
    const at = el.getBoundingClientRect();
    const parent = (tip.offsetParent ?? root).getBoundingClientRect();
    tip.style.left = `${Math.max(0, at.left - parent.left)}px`;
    tip.style.top = `${at.bottom - parent.top + 4}px`;
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape" && !tip.hidden) hide();
  };
  root.addEventListener("focusin", show);
  root.addEventListener("focusout", hide);
  root.addEventListener("keydown", onKey, true);
  return () => {
    root.removeEventListener("focusin", show);
    root.removeEventListener("focusout", hide);
    root.removeEventListener("keydown", onKey, true);
    tip.remove();
  };
}

/** Whether `el` was focused from the keyboard (:focus-visible; where a browser lacks it, any focus). */
function keyboardFocus(el: Element): boolean {
  try {
    return el.matches(":focus-visible");
  } catch {
    return true;
  }
}
