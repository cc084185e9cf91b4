// The failure map's status line while the kernel computes the map (issue 20). The kernel computes it on a
// background thread the first time the panel is shown and says where that stands in `map_status` ("" not
// asked, "computing", "ready", "failed") with the exception's text in `map_error`; the line is a polite live
// region (role=status) so a screen reader hears "computing" and then the outcome. Text only, never HTML.

/** The traits the line follows (the panel redraws when one changes). */
export const STATUS_TRAITS = ["map_status", "map_error"] as const;

/** What the line says while there is no map to draw. */
export function pendingText(get: (name: string) => unknown): string {
  if (get("map_status") !== "failed") return "computing the map…";
  const error = get("map_error");
  return `the map could not be computed: ${typeof error === "string" && error ? error : "unknown error"}`;
}

/** Make `el` the map's status line: a live region tests and assistive technology find. */
export function asStatus(el: HTMLElement): HTMLElement {
  el.setAttribute("role", "status");
  el.setAttribute("aria-live", "polite");
  el.dataset.testid = "segwidget-map-status";
  return el;
}
