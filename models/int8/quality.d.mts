// Types for quality.mjs, which the tests import.
export interface QualityGate {
  rule: string;
  value: number;
  limit: number;
  unit: string;
  passed: boolean;
}

export function measureQuality(
  bytes: Uint8Array,
  fp32: { id: string; metrics: Record<string, unknown> },
  root: string,
  options?: { heldOutOnly?: boolean },
): Promise<{ metrics: Record<string, number | string>; gate: QualityGate }>;
