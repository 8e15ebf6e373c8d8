// A HyperLogLog sketch (Flajolet et al. 2007, with the 64-bit hash of Heule et al. 2013): how many
// distinct customers were active, in 4 KiB per tenant and day, without keeping who they were
// (ADR 0022). Sketches of several days merge (register-wise maximum) into the sketch of their
// union, which is how weekly and monthly figures come from daily ones. The register layout is a
// stored format: PRECISION and the meaning of a register never change once written.

/** 2^12 registers: a relative standard error of 1.04 / √4096 ≈ 1.6 %. */
const PRECISION = 12;
const REGISTER_COUNT = 1 << PRECISION;
/** The estimate's relative standard error (ADR 0022). */
export const RELATIVE_STANDARD_ERROR = 1.04 / Math.sqrt(REGISTER_COUNT);

/** 2^-rank for every rank a register can hold (0 to 64 - PRECISION + 1). */
const INVERSE_POWERS = Float64Array.from({ length: 66 - PRECISION }, (_, rank) => 2 ** -rank);

/** A sketch with nothing in it. */
export function emptySketch(): Uint8Array {
  return new Uint8Array(REGISTER_COUNT);
}

/**
 * Adds one element, given as its 64-bit hash (8 bytes of a keyed hash: uniformly distributed).
 * The first PRECISION bits choose the register; it keeps the longest run of leading zeros seen
 * in the remaining bits, plus one.
 */
export function addHash(registers: Uint8Array, hash: Uint8Array): void {
  const high = ((hash[0]! << 24) | (hash[1]! << 16) | (hash[2]! << 8) | hash[3]!) >>> 0;
  const low = ((hash[4]! << 24) | (hash[5]! << 16) | (hash[6]! << 8) | hash[7]!) >>> 0;
  const index = high >>> (32 - PRECISION);
  // The 52 bits after the index: the rest of `high`, then all of `low`.
  const restHigh = (high << PRECISION) >>> 0;
  const rank = restHigh !== 0 ? Math.clz32(restHigh) + 1 : low !== 0 ? 32 - PRECISION + Math.clz32(low) + 1 : 64 - PRECISION + 1;
  if (rank > registers[index]!) registers[index] = rank;
}

/** Merges `other` into `into`: the sketch of the union of both sets. */
export function mergeInto(into: Uint8Array, other: Uint8Array): void {
  for (let i = 0; i < REGISTER_COUNT; i += 1) {
    if (other[i]! > into[i]!) into[i] = other[i]!;
  }
}

/**
 * The estimated number of distinct elements. Below 2.5 × registers, while some registers are
 * still empty, linear counting (exact in practice for small sets); above, the raw HyperLogLog
 * estimate. A 64-bit hash needs no large-range correction.
 */
export function estimate(registers: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < REGISTER_COUNT; i += 1) {
    const value = registers[i]!;
    sum += INVERSE_POWERS[value]!;
    if (value === 0) zeros += 1;
  }
  const alpha = 0.7213 / (1 + 1.079 / REGISTER_COUNT);
  const raw = (alpha * REGISTER_COUNT * REGISTER_COUNT) / sum;
  if (raw <= 2.5 * REGISTER_COUNT && zeros > 0) return Math.round(REGISTER_COUNT * Math.log(REGISTER_COUNT / zeros));
  return Math.round(raw);
}
