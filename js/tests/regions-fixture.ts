// tests/region_fixture.py's Results and Python's answers for them (fixtures/regions.json), typed once for the
// tests that replay them.
import json from "./fixtures/regions.json";

export interface Index {
  ptr: number[];
  image: number[];
  count: number[];
}
export interface RegionCase {
  cell: [number, number] | null;
  order: "share" | "pixels" | "confident";
  region: "all" | "interior" | "boundary";
  loss_range: [number, number] | null;
  indices: number[];
  scores: (number | null)[];
}
export const raw = json as unknown as {
  C: number;
  N: number;
  losses: (number | null)[];
  cell: Index;
  band: Index;
  conf: Index;
  regions: Record<"interior" | "boundary", { pooled: number[]; mean_cm: (number | null)[]; index: Index }>;
  boundary_error_share: number;
  subsets: { members: number[]; boundary_error_share: number | null }[];
  cases: RegionCase[];
};
