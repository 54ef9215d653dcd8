// Checks of raw Ed25519 public key encodings (RFC 8032 section 5.1.3) that OpenSSL does not make: a
// small-order or non-canonically encoded key lets a fixed signature (R = identity, S = 0) verify anything.

/** The field prime 2^255 - 19. */
const P = 2n ** 255n - 19n;
/** The curve constant d = -121665 / 121666 (RFC 8032 section 5.1). */
const D = mod(-121665n * inverse(121666n));
/** sqrt(-1) mod p, used in decompression (RFC 8032 section 5.1.3, step 3). */
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

function mod(a: bigint): bigint {
  const r = a % P;
  return r >= 0n ? r : r + P;
}

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function inverse(a: bigint): bigint {
  return pow(a, P - 2n);
}

/** An affine point (x, y) of edwards25519. */
type Point = readonly [bigint, bigint];

// The unified addition law of a twisted Edwards curve with a = -1; complete because d is not a square.
function add([x1, y1]: Point, [x2, y2]: Point): Point {
  const t = mod(D * x1 * x2 * y1 * y2);
  const x = mod((x1 * y2 + y1 * x2) * inverse(1n + t));
  const y = mod((y1 * y2 + x1 * x2) * inverse(1n - t));
  return [x, y];
}

/** Why a raw 32-byte Ed25519 public key is unsafe to accept, or undefined when it is a sound key. */
export function weakPublicKeyReason(raw: Uint8Array): string | undefined {
  if (raw.length !== 32) return "an Ed25519 public key has 32 bytes";
  const bytes = Buffer.from(raw);
  const sign = (bytes[31] as number) >> 7;
  bytes[31] = (bytes[31] as number) & 0x7f;
  const y = BigInt(`0x${Buffer.from(bytes).reverse().toString("hex")}`);
  if (y >= P) return "its y coordinate is not below p (a non-canonical encoding)";
  // x^2 = (y^2 - 1) / (d y^2 + 1); candidate x = (u/v)^((p+3)/8) (RFC 8032 section 5.1.3, steps 2-3).
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) return "it is not a point on the curve";
    x = mod(x * SQRT_M1);
  }
  if (x === 0n && sign === 1) return "it encodes x = 0 with the sign bit set (a non-canonical encoding)";
  // Small order: [8]P is the identity (0, 1) exactly for the eight points of order 1, 2, 4 and 8.
  let q: Point = [x, y];
  for (let i = 0; i < 3; i++) q = add(q, q);
  if (q[0] === 0n && q[1] === 1n) return "it is a point of small order";
  return undefined;
}
