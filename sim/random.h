// Portable pseudo-random numbers: identical sequences on every platform and standard library.
//
// std::uniform_real_distribution and friends are implementation-defined (their algorithms differ
// between libstdc++, libc++ and MSVC), so nothing that decides an episode may use them
// (DESIGN.md "Randomness"). This generator and its transforms are fully specified here.
#pragma once

#include <cmath>
#include <cstdint>

namespace wambench {

/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
/// constants from Vigna's reference implementation, prng.di.unimi.it/splitmix64.c).
/// Period 2^64; passes BigCrush. Value type; copying forks an identical stream.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  /// Next 64 uniformly distributed bits.
  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  /// Uniform double in [0, 1) with 53 random bits (top bits of next_u64() times 2^-53).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  /// Uniform double in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Uniform integer in [0, n) for n >= 1 (Lemire's multiply-shift with rejection, so unbiased).
  uint64_t uniform_index(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next_u64()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  /// Standard normal N(0, 1) by the Box-Muller transform (two uniforms per draw; the second
  /// variate is discarded so that the stream position does not depend on call history).
  /// Uses libm's log / cos / sqrt: bit-identical wherever the C library rounds them identically
  /// (glibc does on x86-64); prefer uniform() where exact cross-libc equality matters.
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t state_;
};

}  // namespace wambench
