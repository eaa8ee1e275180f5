#include "tasks/variation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wambench::variation {

double IntervalSet::sample(Rng& rng) const {
  double total = 0;
  for (const auto& [lo, hi] : intervals) total += hi - lo;
  double u = rng.uniform() * total;
  for (const auto& [lo, hi] : intervals) {
    if (u < hi - lo) return lo + u;
    u -= hi - lo;
  }
  return intervals.back().second - 1e-12;
}

bool IntervalSet::contains(double x) const {
  for (const auto& [lo, hi] : intervals)
    if (x >= lo && x < hi) return true;
  return false;
}

bool IntervalSet::disjoint_from(const IntervalSet& other) const {
  for (const auto& [a0, a1] : intervals)
    for (const auto& [b0, b1] : other.intervals)
      if (a0 < b1 && b0 < a1) return false;
  return true;
}

Rgb hsv_to_rgb(double hue_deg, double s, double v) {
  double h = std::fmod(hue_deg, 360.0);
  if (h < 0) h += 360.0;
  const double c = v * s;
  const double hp = h / 60.0;
  const double x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  Rgb rgb{0, 0, 0};
  if (hp < 1) rgb = {c, x, 0};
  else if (hp < 2) rgb = {x, c, 0};
  else if (hp < 3) rgb = {0, c, x};
  else if (hp < 4) rgb = {0, x, c};
  else if (hp < 5) rgb = {x, 0, c};
  else rgb = {c, 0, x};
  const double m = v - c;
  for (double& ch : rgb) ch += m;
  return rgb;
}

double rgb_hue_deg(const Rgb& rgb) {
  const double mx = std::max({rgb[0], rgb[1], rgb[2]});
  const double mn = std::min({rgb[0], rgb[1], rgb[2]});
  const double d = mx - mn;
  if (d <= 1e-12) return 0;
  double h;
  if (mx == rgb[0]) h = std::fmod((rgb[1] - rgb[2]) / d, 6.0);
  else if (mx == rgb[1]) h = (rgb[2] - rgb[0]) / d + 2;
  else h = (rgb[0] - rgb[1]) / d + 4;
  h *= 60;
  return h < 0 ? h + 360 : h;
}

Rgb ColorDistribution::sample(Rng& rng) const {
  const double h = hue_deg.sample(rng);
  const double s = saturation.sample(rng);
  const double v = value.sample(rng);
  return hsv_to_rgb(h, s, v);
}

std::array<double, 2> Region::sample(Rng& rng) const {
  double total = 0;
  for (const Rect& r : rects) total += r.area();
  double u = rng.uniform() * total;
  const double v = rng.uniform();
  for (const Rect& r : rects) {
    if (u < r.area()) {
      const double fx = u / r.area();
      return {r.x_lo + fx * (r.x_hi - r.x_lo), r.y_lo + v * (r.y_hi - r.y_lo)};
    }
    u -= r.area();
  }
  const Rect& r = rects.back();
  return {r.x_hi - 1e-9, r.y_lo + v * (r.y_hi - r.y_lo)};
}

bool Region::contains(double x, double y) const {
  for (const Rect& r : rects)
    if (r.contains(x, y)) return true;
  return false;
}

bool Region::disjoint_from(const Region& other) const {
  for (const Rect& a : rects)
    for (const Rect& b : other.rects)
      if (a.x_lo < b.x_hi && b.x_lo < a.x_hi && a.y_lo < b.y_hi && b.y_lo < a.y_hi) return false;
  return true;
}

const std::vector<NamedColor>& object_palette() {
  static const std::vector<NamedColor> kPalette = {
      {"red", {{{{-8, 8}}}, {0.75, 0.95}, {0.7, 0.9}}},
      {"orange", {{{{22, 34}}}, {0.8, 0.95}, {0.85, 1.0}}},
      {"yellow", {{{{50, 58}}}, {0.75, 0.9}, {0.85, 1.0}}},
      {"green", {{{{105, 140}}}, {0.6, 0.85}, {0.55, 0.8}}},
      {"blue", {{{{212, 232}}}, {0.7, 0.9}, {0.65, 0.9}}},
      {"purple", {{{{272, 290}}}, {0.5, 0.7}, {0.55, 0.8}}},
      {"pink", {{{{322, 338}}}, {0.4, 0.6}, {0.85, 1.0}}},
      {"white", {{{{0, 360}}}, {0.0, 0.06}, {0.88, 0.97}}},
      {"black", {{{{0, 360}}}, {0.0, 0.1}, {0.08, 0.16}}},
  };
  return kPalette;
}

std::vector<std::array<double, 2>> sample_non_overlapping(const std::vector<Region>& regions,
                                                          const std::vector<double>& radii_m,
                                                          double margin_m, Rng& rng, int max_attempts) {
  if (regions.size() != radii_m.size()) {
    throw std::invalid_argument("sample_non_overlapping: one radius per region expected");
  }
  std::vector<std::array<double, 2>> out(regions.size());
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    bool ok = true;
    for (size_t i = 0; i < regions.size() && ok; ++i) {
      out[i] = regions[i].sample(rng);
      for (size_t j = 0; j < i && ok; ++j) {
        const double dx = out[i][0] - out[j][0], dy = out[i][1] - out[j][1];
        ok = std::sqrt(dx * dx + dy * dy) >= radii_m[i] + radii_m[j] + margin_m;
      }
    }
    if (ok) return out;
  }
  throw std::runtime_error("could not place " + std::to_string(regions.size()) +
                           " non-overlapping objects in their regions after " +
                           std::to_string(max_attempts) + " attempts");
}

}  // namespace wambench::variation
