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
  return hash / 0x1_0000_0000 < share;
}
