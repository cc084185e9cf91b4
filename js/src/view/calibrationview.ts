// Calibration in the view, for widget.ts (Python: segwidget/view/calibration.py): the calibration counts read once per
// data, the gallery's "overconfident" order (and a chosen bin's wrong pixels), its title and score kind, and the
// header's ECE of the slice shown. It holds nothing the model does not say.

import { type Calibration, ece, rankBin, rankOverconfident, readCalibration, reliability } from "../data/calibration";
import type { Cell, Data, LossRange, Model, Order, Summary } from "../data/protocol";
import { filterByLoss, type Ranked, type RankKind } from "../data/ranking";
import type { RegionOffer } from "./regionview";

/** The chosen bin of the reliability chart (the calibration_bin trait), or null. */
export function chosenBin(model: Model, cal: Calibration | null): number | null {
  const b = model.get("calibration_bin");
  return cal && Number.isInteger(b) && (b as number) >= 0 && (b as number) <= cal.bins ? (b as number) : null;
}

/** The class whose reliability a selection shows: the selected cell's predicted class (calibration is counted by
 * predicted class), or null for every valid pixel. */
export const classOf = (cell: Cell | null): number | null => (cell === null ? null : cell[1]);

export class CalibrationView {
  private read: { data: Data; cal: Calibration | null } | null = null;

  constructor(private readonly model: Model) {}

  /** The calibration counts of `data` (read once per data; malformed or absent: null). */
  of(data: Data | null): Calibration | null {
    if (!data) return null;
    if (this.read?.data !== data) {
      let cal: Calibration | null = null;
      try {
        cal = readCalibration(this.model, data.C, data.N);
      } catch {
        cal = null; // traits arriving one by one: wait for a consistent set
      }
      this.read = { data, cal };
    }
    return this.read.cal;
  }

  /** The gallery's list for the order "overconfident" (null for the other orders): calibration.ts's rankings of the
   * selection's predicted class. The caller keeps the slice's images. */
  rank(data: Data, cell: Cell | null, order: Order, range: LossRange | null): Ranked | null {
    const cal = this.of(data);
    if (order !== "overconfident" || !cal) return null;
    const bin = chosenBin(this.model, cal);
    const ranked = bin === null ? rankOverconfident(cal, classOf(cell)) : rankBin(cal, bin, classOf(cell));
    return range === null ? ranked : filterByLoss(ranked, data.losses, range);
  }

  /** The gallery's score kind and title for the order "overconfident"; null for the other orders. */
  gallery(data: Data, cell: Cell | null, order: Order): { kind: RankKind; title: string } | null {
    const cal = this.of(data);
    if (order !== "overconfident" || !cal) return null;
    const c = classOf(cell);
    const of = c === null ? "all images" : `images with pixels predicted ${data.classes[c]}`;
    const bin = chosenBin(this.model, cal);
    if (bin === null)
      return { kind: "overconfident", title: `${of}, most overconfident first (confidence − accuracy)` };
    const range = bin === cal.bins ? "confidence exactly 1" : `confidence bin ${bin + 1} of ${cal.bins}`;
    return { kind: "pixels", title: `${of}, by wrong pixels at ${range}` };
  }

  /** What the header offers: the region view's, and the order "overconfident" where there are calibration counts. */
  offer(regions: RegionOffer, data: Data | null): RegionOffer {
    return { ...regions, calibration: this.of(data) !== null };
  }

  /** The header's numbers with the ECE of the images in `member` (null: all; the kernel's then). */
  summary(base: Summary | null, data: Data | null, member: Uint8Array | null): Summary | null {
    const cal = this.of(data);
    if (!base || !cal || !member) return base;
    return { ...base, ece: ece(reliability(cal, member, null)) };
  }
}
