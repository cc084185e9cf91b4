// A stand-in for anywidget's model (traits, change events, sent messages), shared by the jsdom widget tests.

import { vi } from "vitest";
import type { Model } from "../src/data/protocol";
import widget from "../src/widget";

export class FakeModel {
  state: Record<string, unknown>;
  sent: unknown[] = [];
  saves = 0;
  private listeners = new Map<string, Set<(...a: unknown[]) => void>>();

  constructor(state: Record<string, unknown>) {
    this.state = state;
  }
  get(key: string) {
    return this.state[key];
  }
  set(key: string, value: unknown) {
    this.state[key] = value;
    this.emit(`change:${key}`);
  }
  save_changes() {
    this.saves++;
  }
  on(event: string, cb: (...a: unknown[]) => void) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)?.add(cb);
  }
  off(event: string, cb: (...a: unknown[]) => void) {
    this.listeners.get(event)?.delete(cb);
  }
  send(content: unknown) {
    this.sent.push(content);
  }
  emit(event: string, ...args: unknown[]) {
    for (const cb of this.listeners.get(event) ?? []) cb(...args);
  }
  listenerCount() {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** A typed array as anywidget hands a Bytes trait over. */
export const dv = (a: Float64Array | Float32Array | Int32Array | Uint8Array) =>
  new DataView(a.buffer, a.byteOffset, a.byteLength);

export const tick = () => new Promise((r) => setTimeout(r, 0));

/** The view traits as a fresh explorer sends them: nothing selected, default order, colour and zoom. */
export const VIEW_DEFAULTS = {
  selected_cell: null,
  selected_image: null,
  order: "share",
  normalize: "true",
  log_scale: false,
  hide_diagonal: false,
  overlay: "prediction",
  loss_range: null,
  visible_classes: [],
  zoom: 1,
  auto_focus: false,
};

/** Render the widget for `model` into a new element (jsdom has no canvas: drawing is skipped, layout and
 * attributes are not); `unmount` undoes it all. */
export function mount(model: FakeModel): { el: HTMLElement; unmount: () => void } {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model: model as unknown as Model, el });
  return {
    el,
    unmount: () => {
      cleanup();
      el.remove();
      vi.restoreAllMocks();
    },
  };
}
