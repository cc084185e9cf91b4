// The explorer's listeners outside its views: the kernel's replies, the traits, Escape, the theme, each view's own
// size and the device pixel ratio. widget.ts wires them once; the returned function removes them all.

import type { Model, State } from "../data/protocol";
import { decodeReply } from "../data/protocol";
import { type Part, watchTraits } from "../data/traits";
import type { DetailStore } from "./detail";
import type { Gallery } from "./gallery";
import type { Heatmap } from "./heatmap";
import { detectTheme, watchDpr, watchSizes, watchTheme } from "./theme";
import type { ThumbStore } from "./thumbs";

export interface Wired {
  thumbs: ThumbStore;
  details: DetailStore;
  gallery: Gallery;
  heatmap: Heatmap;
  invalidate(...parts: Part[]): void;
  set<K extends keyof State>(key: K, value: State[K]): void;
}

export function wire(root: HTMLElement, model: Model, w: Wired): () => void {
  root.dataset.theme = detectTheme();
  const unwatchTheme = watchTheme((t) => {
    root.dataset.theme = t;
    w.invalidate("heatmap", "detail");
  });
  const unwatchTraits = watchTraits(model, w.invalidate);
  const onMessage = (content: unknown, buffers: unknown[]) => {
    const reply = decodeReply(content, buffers ?? []);
    if (reply?.kind === "thumbs") void w.thumbs.receive(reply);
    else if (reply?.kind === "detail") void w.details.receive(reply);
  };
  model.on("msg:custom", onMessage);

  // Escape closes the detail view first, then clears the selected cell.
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    const key = model.get("selected_image") !== null ? "selected_image" : "selected_cell";
    if (model.get(key) === null) return;
    e.stopPropagation();
    w.set(key, null);
  };
  root.addEventListener("keydown", onKey);

  // Each view follows its own box: a scrollbar appearing narrows the gallery without resizing the widget.
  const unwatchSizes = watchSizes(
    [w.gallery.viewport, () => w.gallery.layout()],
    [w.heatmap.scroller, () => (model.get("auto_focus") ? w.invalidate("classes") : w.heatmap.resized())],
  );
  const unwatchDpr = watchDpr(() => {
    w.heatmap.render();
    w.gallery.layout();
  });
  return () => {
    unwatchTraits();
    model.off("msg:custom", onMessage);
    root.removeEventListener("keydown", onKey);
    unwatchSizes();
    unwatchDpr();
    unwatchTheme();
  };
}
