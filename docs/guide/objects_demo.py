"""The demo's objects finding (docs/guide/objects.md): which signs and pedestrians the
shipped demo model misses, by size, and the worst image for missed pedestrians.

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
    print(r.object_table([0, 32, 128, 1024]).loc[SMALL_CLASSES])
    columns = ["iou", "recall", "objects", "object_recall", "false_objects", "iiou"]
    print(r.class_table().loc[SMALL_CLASSES, columns].round(3))
    signs = rows[rows["class"] == "sign"]
    print(
        f"signs: mean object recall {signs['recall'].mean():.3f}, max {signs['recall'].max():.3f};"
    )
    print(
        "  missed signs confused with:",
        signs[signs["missed"]]["confused_with"].value_counts().to_dict(),
    )
    worst = r.rank("pedestrian", by="missed")
    print(
        "images by missed pedestrians:",
        list(zip(worst.indices[:4].tolist(), worst.scores[:4].tolist(), strict=True)),
    )
    print(f"{len(rows)} truth objects, {len(r.false_objects())} false predicted objects")


if __name__ == "__main__":
    main()
