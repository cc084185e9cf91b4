// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { asStatus, pendingText, STATUS_TRAITS } from "../../src/view/mapstatus";

const traits = (state: Record<string, unknown>) => (name: string) => state[name];

describe("the map's status line", () => {
  it("says the map is being computed until the kernel says otherwise", () => {
    expect(pendingText(traits({}))).toBe("computing the map…");
    expect(pendingText(traits({ map_status: "" }))).toBe("computing the map…");
    expect(pendingText(traits({ map_status: "computing", map_error: "" }))).toBe("computing the map…");
  });

  it("shows the kernel's error text when the computation failed", () => {
    const text = pendingText(traits({ map_status: "failed", map_error: "ValueError: no <b>map</b>" }));
    expect(text).toBe("the map could not be computed: ValueError: no <b>map</b>");
    expect(pendingText(traits({ map_status: "failed", map_error: 7 }))).toContain("unknown error");
  });

  it("is a polite live region that tests find, and user text stays text", () => {
    const el = asStatus(document.createElement("span"));
    expect(el.getAttribute("role")).toBe("status");
    expect(el.getAttribute("aria-live")).toBe("polite");
    expect(el.dataset.testid).toBe("segwidget-map-status");
    el.textContent = pendingText(traits({ map_status: "failed", map_error: "<img src=x onerror=alert(1)>" }));
    expect(el.querySelector("img")).toBeNull();
  });

  it("follows the kernel's status traits", () => {
    expect([...STATUS_TRAITS]).toEqual(["map_status", "map_error"]);
  });
});
