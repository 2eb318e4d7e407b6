// The log-bucket histogram of `ssetool bench` (see bench/histogram.hpp).
#include "ssetool/bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ssetool {

std::size_t LogHistogram::bucket_of(std::uint64_t value) {
  if (value < 2 * kHalf) return static_cast<std::size_t>(value);
  unsigned msb = 63 - static_cast<unsigned>(std::countl_zero(value));
  unsigned shift = msb - (kSubBits - 1);
  return shift * kHalf + static_cast<std::size_t>(value >> shift);
}

std::uint64_t LogHistogram::bucket_low(std::size_t bucket) {
  if (bucket < 2 * kHalf) return bucket;
  std::size_t shift = bucket / kHalf - 1;
  std::uint64_t mantissa = bucket - shift * kHalf;
  return mantissa << shift;
}

std::uint64_t LogHistogram::bucket_high(std::size_t bucket) {
  if (bucket < 2 * kHalf) return bucket;
  if (bucket + 1 == kBuckets) return std::numeric_limits<std::uint64_t>::max();
  return bucket_low(bucket + 1) - 1;
}

void LogHistogram::record(std::uint64_t value) {
  ++counts_[bucket_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LogHistogram::merge(const LogHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t LogHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      std::uint64_t low = bucket_low(i), high = bucket_high(i);
      std::uint64_t middle = low + (high - low) / 2;
      return std::clamp(middle, min(), max_);
    }
  }
  return max_;
}

}  // namespace ssetool
