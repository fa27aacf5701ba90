/** What the tensor inspector and traced ports report of a value on a wire (browser-safe types). */

export interface TensorStats {
  shape: number[];
  dtype: "float32" | "int64" | "bool";
  count: number;
  /** Values that are NaN or ±Infinity (left out of every other statistic). */
  nonFinite: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation (divides by n, as numpy's default). */
  std: number | null;
  /** `bins` equal-width buckets from min to max; the last one includes max. */
  histogram: { min: number; max: number; counts: number[] } | null;
}

export interface PortSummary {
  kind: string;
  entries: (TensorStats & { name: string })[];
  /** PNG data URLs of the first items of image-like tensors. */
  pictures: { name: string; index: number; url: string; range: [number, number] }[];
  value?: number | string | boolean;
}
