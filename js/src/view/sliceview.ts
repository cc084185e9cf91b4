// The slice and tag parts of the view, for widget.ts: the filter bar and the tag panel, the slice's images
// (cached on the traits they follow) and the gallery's picks and tag badges (a slice's header numbers: regionview.ts).
// Every change goes through the synced traits `slice`, `tags` and `picked_images`.

import type { Counts } from "../data/counts";
import type { Data, Model, State } from "../data/protocol";
import type { Ranked } from "../data/ranking";
import {
  type Column,
  readColumns,
  readSlice,
  readTags,
  type SliceSpec,
  sliceMask,
  sliceValue,
  TAG,
  type Tags,
} from "../data/slices";
import { describeSlice, FilterBar } from "./filters";
import type { Marks } from "./gallery";
import { TagPanel, tagsByImage } from "./tagging";

type SliceTrait = "slice" | "tags" | "picked_images";
const NO_TAGS: Tags = {};

export interface SliceViewEvents {
  set<K extends SliceTrait>(key: K, value: State[K]): void;
}

/** The last result of `f` and the inputs it was computed from (compared by identity). */
function memo<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  let last: { args: A; value: R } | null = null;
  return (...args: A) => {
    if (!last || args.length !== last.args.length || args.some((a, i) => a !== last?.args[i])) {
      last = { args, value: f(...args) };
    }
    return last.value;
  };
}

export class SliceView {
  readonly filters: FilterBar;
  readonly tagging: TagPanel;
  private readonly columnsOf = memo((desc: unknown, bytes: unknown, N: number): Column[] => {
    try {
      return readColumns(desc, bytes, N);
    } catch {
      return []; // traits arriving one by one: wait for a consistent set
    }
  });
  private readonly specOf = memo(readSlice);
  private readonly tagsOf = memo(readTags);
  private readonly maskOf = memo(sliceMask);
  private readonly marksOf = memo(
    (picked: unknown, tags: Tags): Marks => ({
      picked: new Set(Array.isArray(picked) ? picked : []),
      tags: tagsByImage(tags),
    }),
  );

  constructor(
    private readonly model: Model,
    private readonly events: SliceViewEvents,
  ) {
    this.filters = new FilterBar({ set: (spec) => events.set("slice", sliceValue(spec)) });
    this.tagging = new TagPanel({
      tags: (next, picked) => this.setTags(next, picked),
      picked: (next) => events.set("picked_images", next),
    });
  }

  columns(data: Data): Column[] {
    return this.columnsOf(this.model.get("columns"), this.model.get("column_data"), data.N);
  }

  spec(): SliceSpec {
    return this.specOf(this.model.get("slice"));
  }

  tags(): Tags {
    return this.tagsOf(this.model.get("tags"));
  }

  /** The slice's images (1 per member), or null when no condition is set; the same array while nothing changed. */
  member(data: Data): Uint8Array | null {
    const spec = this.spec();
    // tags matter only to a slice that names one
    const tags = Object.keys(spec).some((name) => name.startsWith(TAG)) ? this.tags() : NO_TAGS;
    return this.maskOf(spec, this.columns(data), tags, data);
  }

  /** For the gallery's title: " · slice: kerb = false", or "" without a slice. */
  note(): string {
    const spec = this.spec();
    return Object.keys(spec).length ? ` · slice: ${describeSlice(spec)}` : "";
  }

  marks(): Marks {
    return this.marksOf(this.model.get("picked_images"), this.tags());
  }

  /** Modifier-click on a thumbnail: pick it, or unpick it. */
  pick(index: number): void {
    const picked = new Set(this.marks().picked);
    if (picked.has(index)) picked.delete(index);
    else picked.add(index);
    this.events.set(
      "picked_images",
      [...picked].sort((a, b) => a - b),
    );
  }

  draw(data: Data, counts: Counts | null, ranked: Ranked): void {
    const tags = this.tags();
    this.filters.update({
      columns: this.columns(data),
      spec: this.spec(),
      tags,
      member: counts?.member ?? null,
      N: data.N,
    });
    this.tagging.update({ tags, picked: [...this.marks().picked], shown: ranked.indices });
  }

  /** New tags; a condition on a tag that no longer exists leaves the slice in the same update. */
  private setTags(next: Tags, picked: number[]): void {
    const spec = this.spec();
    const gone = Object.keys(spec).filter((name) => name.startsWith(TAG) && !(name.slice(TAG.length) in next));
    if (gone.length) {
      const kept = { ...spec };
      for (const name of gone) delete kept[name];
      this.events.set("slice", sliceValue(kept));
    }
    this.events.set("tags", next);
    this.events.set("picked_images", picked);
  }
}
