// Distribution objects for procedural variation, in the style of dm_control's composer.variation:
// small value types describing a distribution, sampled at episode initialization from the
// episode's Rng. Swapping a split's distribution objects is what makes a held-out split.
//
// Every sampler draws a fixed number of values from the Rng per call where possible, and uses only
// the portable transforms of sim/random.h, so a variation is identical on every machine.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "sim/random.h"

namespace wambench::variation {

/// Linear RGB in [0, 1]^3.
using Rgb = std::array<double, 3>;

/// Uniform on [lo, hi).
struct Uniform {
  double lo = 0, hi = 1;
  double sample(Rng& rng) const { return rng.uniform(lo, hi); }
  bool contains(double x) const { return x >= lo && x < hi; }
};

/// Uniform integer on [lo, hi] (both inclusive).
struct UniformInt {
  int lo = 0, hi = 0;
  int sample(Rng& rng) const {
    return lo + static_cast<int>(rng.uniform_index(static_cast<uint64_t>(hi - lo + 1)));
  }
};

/// Uniform choice among options.
template <typename T>
struct UniformChoice {
  std::vector<T> options;
  const T& sample(Rng& rng) const { return options[rng.uniform_index(options.size())]; }
};

/// Union of half-open intervals [lo, hi), sampled uniformly by length (e.g. hue ranges in
/// degrees). Intervals must not overlap.
struct IntervalSet {
  std::vector<std::pair<double, double>> intervals;
  double sample(Rng& rng) const;
  bool contains(double x) const;
  /// True if no point lies in both sets.
  bool disjoint_from(const IntervalSet& other) const;
};

/// HSV to linear RGB; hue in degrees (any real, wrapped to [0, 360)), saturation and value in [0, 1].
Rgb hsv_to_rgb(double hue_deg, double saturation, double value);
/// Hue of an RGB colour in degrees [0, 360) (0 for greys).
double rgb_hue_deg(const Rgb& rgb);

/// A colour distribution in HSV: hue from a union of intervals (degrees), saturation and value
/// uniform.
struct ColorDistribution {
  IntervalSet hue_deg;
  Uniform saturation;
  Uniform value;
  Rgb sample(Rng& rng) const;
};

/// Axis-aligned rectangle on the table (world frame, m).
struct Rect {
  double x_lo, x_hi, y_lo, y_hi;
  double area() const { return (x_hi - x_lo) * (y_hi - y_lo); }
  bool contains(double x, double y) const { return x >= x_lo && x < x_hi && y >= y_lo && y < y_hi; }
};

/// A union of non-overlapping rectangles on the table, sampled uniformly by area.
struct Region {
  std::vector<Rect> rects;
  std::array<double, 2> sample(Rng& rng) const;
  bool contains(double x, double y) const;
  /// True if the two regions share no point (rectangle-wise check).
  bool disjoint_from(const Region& other) const;
};

/// A named colour for instructions ("red"): its hue range (degrees), saturation and value ranges.
struct NamedColor {
  std::string name;
  ColorDistribution distribution;
};
/// The palette of object colours used in instructions: red, orange, yellow, green, blue, purple,
/// pink, white, black. Hue ranges do not overlap, so a colour's name is unambiguous.
const std::vector<NamedColor>& object_palette();

/// Places circles of the given radii (m) at positions drawn from `regions[i]`, so that no two
/// circles come closer than `margin_m`. Rejection sampling with a fixed attempt budget.
/// @throws std::runtime_error if no placement is found within `max_attempts` rounds.
std::vector<std::array<double, 2>> sample_non_overlapping(const std::vector<Region>& regions,
                                                          const std::vector<double>& radii_m,
                                                          double margin_m, Rng& rng,
                                                          int max_attempts = 2000);

}  // namespace wambench::variation
