// Tagging from the view: thumbnails picked with a modifier-click (the synced `picked_images`), a free-text tag
// name, and actions that add the picked or all shown images to that tag (the synced `tags`, name -> image
// indices; Python: segwidget/results/tags.py). Tag names are user text: textContent and attribute values only.

import { fmtInt, h } from "../data/format";
import type { Tags } from "../data/slices";
import type { Panel } from "./panels";

/** Longest tag name (tags.MAX_NAME in Python). */
export const MAX_TAG = 200;

/** `tags` with `images` added to tag `name` (created when new); members sorted and unique. */
export function addToTag(tags: Tags, name: string, images: Iterable<number>): Tags {
  const members = new Set(tags[name] ?? []);
  for (const n of images) members.add(n);
  return { ...tags, [name]: [...members].sort((a, b) => a - b) };
}

/** `tags` with `images` removed from tag `name`; a tag left with no image is dropped. */
export function removeFromTag(tags: Tags, name: string, images: Iterable<number>): Tags {
  if (!(name in tags)) return tags;
  const gone = new Set(images);
  const left = tags[name].filter((n) => !gone.has(n));
  const next = { ...tags, [name]: left };
  if (left.length === 0) delete next[name];
  return next;
}

/** Per image, the names of its tags (for the thumbnails' badges). */
export function tagsByImage(tags: Tags): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [name, members] of Object.entries(tags)) {
    for (const n of members) {
      const list = out.get(n);
      if (list) list.push(name);
      else out.set(n, [name]);
    }
  }
  return out;
}

export interface TagInput {
  tags: Tags;
  picked: readonly number[];
  /** The images the gallery shows now, in its order. */
  shown: Int32Array;
}

export interface TagEvents {
  tags(next: Tags, picked: number[]): void;
  picked(next: number[]): void;
}

export class TagPanel {
  readonly el = h("div", "sw-tagbar");
  private readonly count = h("span", "sw-dim");
  private readonly name = h("input", "sw-search");
  private readonly names = h("datalist");
  private readonly tagPicked = button("tag picked", "tag-picked", "add the picked images to the tag named");
  private readonly tagShown = button("tag all shown", "tag-shown", "add every image the gallery shows to the tag");
  private readonly untagPicked = button("untag picked", "untag-picked", "remove the picked images from the tag");
  private readonly clearPicks = button("clear picks", "clear", "unpick every image");
  private input: TagInput | null = null;

  constructor(private readonly events: TagEvents) {
    this.el.dataset.testid = "segwidget-tags";
    this.name.type = "text";
    this.name.maxLength = MAX_TAG;
    this.name.placeholder = "tag name…";
    this.name.setAttribute("aria-label", "tag name");
    this.names.id = `sw-tag-names-${Math.random().toString(36).slice(2)}`;
    this.name.setAttribute("list", this.names.id);
    this.name.dataset.testid = "segwidget-control";
    this.name.dataset.name = "tags";
    this.name.dataset.action = "name";
    for (const b of [this.tagPicked, this.tagShown, this.untagPicked]) b.dataset.name = "tags";
    this.clearPicks.dataset.name = "picked_images";
    this.count.title = "shift-, ctrl- or ⌘-click thumbnails (or Space on the keyboard cursor) to pick them";
    this.el.append(this.count, this.name, this.names, this.tagPicked, this.untagPicked, this.tagShown, this.clearPicks);
    this.name.addEventListener("input", () => this.refresh());
    this.name.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !this.tagPicked.disabled) this.tag("add", this.input?.picked ?? []);
      e.stopPropagation(); // typing is not for the gallery's or JupyterLab's shortcuts
    });
    this.tagPicked.addEventListener("click", () => this.tag("add", this.input?.picked ?? []));
    this.untagPicked.addEventListener("click", () => this.tag("remove", this.input?.picked ?? []));
    this.tagShown.addEventListener("click", () => this.tag("add", this.input?.shown ?? [], true));
    this.clearPicks.addEventListener("click", () => events.picked([]));
  }

  /** This bar as the panel area's "tags" panel (widget.ts keeps it up to date). */
  panel(): Panel {
    return {
      id: "tags",
      label: "tags",
      title: "tag the picked (shift-click) or shown images",
      mount: (el) => el.append(this.el),
    };
  }

  update(input: TagInput): void {
    const namesChanged = this.input?.tags !== input.tags;
    this.input = input;
    if (namesChanged) {
      this.names.replaceChildren(
        ...Object.keys(input.tags).map((name) => {
          const o = h("option");
          o.value = name;
          return o;
        }),
      );
    }
    this.refresh();
  }

  private refresh(): void {
    const input = this.input;
    if (!input) return;
    const name = this.tagName();
    const picked = input.picked.length;
    this.count.textContent = picked ? `${fmtInt(picked)} picked` : "pick thumbnails with shift-click";
    this.tagPicked.disabled = !name || picked === 0;
    this.untagPicked.disabled = !name || picked === 0 || !(name in input.tags);
    this.tagShown.disabled = !name || input.shown.length === 0;
    this.tagShown.textContent = `tag all shown (${fmtInt(input.shown.length)})`;
    this.clearPicks.disabled = picked === 0;
  }

  /** The typed name, without surrounding blanks ("" when blank). */
  private tagName(): string {
    return this.name.value.trim().slice(0, MAX_TAG);
  }

  private tag(how: "add" | "remove", images: Iterable<number>, keepPicks = false): void {
    const input = this.input;
    const name = this.tagName();
    if (!input || !name) return;
    const next = how === "add" ? addToTag(input.tags, name, images) : removeFromTag(input.tags, name, images);
    this.events.tags(next, keepPicks ? [...input.picked] : []);
  }
}

function button(text: string, action: string, title: string): HTMLButtonElement {
  const b = h("button", "sw-button", text);
  b.type = "button";
  b.title = title;
  b.dataset.testid = "segwidget-control";
  b.dataset.action = action;
  return b;
}
