"""The demo's objects finding (docs/guide/objects.md, README): which signs, pedestrians and
poles the shipped demo model misses, by size (COCO's bins and each class's terciles), and the
worst image for missed pedestrians.

Run: ``python docs/guide/objects_demo.py`` (the demo's 160 validation images; a minute on a CPU).
"""

from __future__ import annotations

from segwidget import analyze
from segwidget.demo import CLASSES, load_model, valid_loader

SMALL_CLASSES = ["sign", "pedestrian", "pole"]


def main() -> None:
    r = analyze(load_model(), valid_loader(), CLASSES, progress=False)
    rows = r.objects()
    print("largest object per class (px):", rows.groupby("class")["pixels"].max().to_dict())
    sizes = rows.groupby("class")["pixels"]
    print("tercile edges (px):", {c: sizes.get_group(c).quantile([1 / 3, 2 / 3]).tolist()
                                  for c in SMALL_CLASSES})  # fmt: skip
    for bins in ("coco", "terciles"):
        print(f"object_table({bins!r}):")
        print(r.object_table(bins).loc[SMALL_CLASSES].round(3))
    columns = ["iou", "recall", "objects", "object_recall", "false_objects", "iiou"]
    print(r.class_table().loc[SMALL_CLASSES, columns].round(3))
    for name in SMALL_CLASSES:
        missed = rows[(rows["class"] == name) & rows["missed"]]
        print(f"missed {name} confused with:", missed["confused_with"].value_counts().to_dict())
    worst = r.rank("pedestrian", by="missed")
    print(
        "images by missed pedestrians:",
        list(zip(worst.indices[:4].tolist(), worst.scores[:4].tolist(), strict=True)),
    )
    print(f"{len(rows)} truth objects, {len(r.false_objects())} false predicted objects")


if __name__ == "__main__":
    main()
