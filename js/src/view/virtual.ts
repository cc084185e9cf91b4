// Windowing math of the virtualised gallery grid: which ranks are visible, where each tile goes.

export interface GridGeometry {
  columns: number;
  /** Tile width and height plus the gap: one step between rows. */
  rowHeight: number;
  colWidth: number;
}

/** How many tiles of at least `minTile` px fit across `width` with `gap` between them (at least 1). */
export function columnsFor(width: number, minTile: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minTile + gap)));
}

/**
 * Columns for a viewport `width` × `height`: tiles at least `minTile` wide, and narrower where a tile that wide
 * (plus its `caption`) would not fit the height, so that at least one row is always wholly in view (down to
 * `smallest` px tiles).
 */
export function columnsToFit(
  width: number,
  height: number,
  tile: { min: number; smallest: number; caption: number; gap: number },
): number {
  const usual = columnsFor(width, tile.min, tile.gap);
  const fit = height - tile.caption - tile.gap; // the widest tile whose row fits
  if (fit >= tile.min) return usual;
  const narrowest = columnsFor(width, tile.smallest, tile.gap);
  const side = Math.max(tile.smallest, fit);
  return Math.max(usual, Math.min(narrowest, Math.ceil((width + tile.gap) / (side + tile.gap))));
}

export function totalHeight(count: number, g: GridGeometry): number {
  return Math.ceil(count / g.columns) * g.rowHeight;
}

/** Ranks [start, end) of the rows intersecting the viewport. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  count: number,
  g: GridGeometry,
): { start: number; end: number } {
  if (count <= 0 || g.rowHeight <= 0) return { start: 0, end: 0 };
  const rows = Math.ceil(count / g.columns);
  const first = Math.max(0, Math.floor(scrollTop / g.rowHeight));
  const last = Math.min(rows, Math.ceil((scrollTop + viewportHeight) / g.rowHeight));
  return { start: Math.min(count, first * g.columns), end: Math.min(count, last * g.columns) };
}

export function tilePosition(rank: number, g: GridGeometry): { x: number; y: number } {
  return { x: (rank % g.columns) * g.colWidth, y: Math.floor(rank / g.columns) * g.rowHeight };
}

/** The scrollTop that brings rank's row fully into view, moving as little as possible. */
export function revealScrollTop(scrollTop: number, viewportHeight: number, rank: number, g: GridGeometry): number {
  const top = Math.floor(rank / g.columns) * g.rowHeight;
  if (top < scrollTop) return top;
  if (top + g.rowHeight > scrollTop + viewportHeight) return Math.max(0, top + g.rowHeight - viewportHeight);
  return scrollTop;
}

/** The cursor after an arrow/Home/End key in a grid of `count` tiles; null for other keys. */
export function moveInGrid(rank: number, key: string, columns: number, count: number): number | null {
  if (count <= 0) return null;
  const step: Record<string, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -columns,
    ArrowDown: columns,
    Home: -count,
    End: count,
  };
  if (!(key in step)) return null;
  return Math.min(count - 1, Math.max(0, rank + step[key]));
}
