// Philox4x32-10, a counter-based generator (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC 2011). A random number is a pure function of (seed, stream, index), so the CPU and the
// GPU draw the same numbers for the same sample in any order, and a run is reproducible from its seed.
#pragma once
#include <cmath>
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

struct Philox4 {
  uint32_t v[4];
};

KDUP_HD void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t product = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(product >> 32);
  lo = static_cast<uint32_t>(product);
}

// Ten rounds of the Philox bijection over the counter (index, stream) under the key seed.
KDUP_HD Philox4 philox(uint64_t seed, uint64_t stream, uint64_t index) {
  uint32_t c0 = static_cast<uint32_t>(index), c1 = static_cast<uint32_t>(index >> 32);
  uint32_t c2 = static_cast<uint32_t>(stream), c3 = static_cast<uint32_t>(stream >> 32);
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(0xD2511F53u, c0, hi0, lo0);
    philox_mulhilo(0xCD9E8D57u, c2, hi1, lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// Uniform in [0, 1) with 24 random bits, exactly representable in float.
KDUP_HD float philox_uniform_bits(uint32_t bits) { return (bits >> 8) * (1.0f / 16777216.0f); }

KDUP_HD double philox_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return philox_uniform_bits(philox(seed, stream, index).v[0]);
}

// Standard normal by Box–Muller on two uniforms of the same counter.
KDUP_HD double philox_normal(uint64_t seed, uint64_t stream, uint64_t index) {
  Philox4 r = philox(seed, stream, index);
  double u1 = (static_cast<double>(r.v[0]) + 1.0) * (1.0 / 4294967296.0);  // (0, 1]
  double u2 = static_cast<double>(r.v[1]) * (1.0 / 4294967296.0);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace kdup
