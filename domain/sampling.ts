/**
 * R16: which requests are called back when the policy samples a share of them. Decided by a
 * stable hash of the request number so the same request always gets the same answer (replays,
 * retries, and reports agree) and the share holds over many requests.
 */
export function isSampledForCallback(requestId: string, share: number): boolean {
  if (share >= 1) return true;
  if (share <= 0) return false;
  // FNV-1a, 32 bit: small, deterministic, evenly spread for short ids.
  let hash = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    hash ^= requestId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Final avalanche (MurmurHash3's fmix32): consecutive numbers differ only in their last digits,
  // which FNV alone leaves in nearby hashes; mixed, a day's first hundred requests hold the share.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000 < share;
}
