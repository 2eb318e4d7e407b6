// A histogram of non-negative integers (microseconds, for `ssetool bench`) in fixed memory: logarithmic
// buckets in the manner of HDR histograms. Values below 128 are counted exactly; above, each power of two is
// split into 64 buckets, so a reported percentile is within 1/64 (1.6%) of the true value. Min, max, count and
// sum are exact. Memory is the same whatever is recorded (about 30 KiB), so any number of samples fits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace ssetool {

class LogHistogram {
 public:
  void record(std::uint64_t value);
  void merge(const LogHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // The value below or at which `percent` (0..100) of the samples lie: the middle of the bucket holding that
  // sample, clamped to [min, max]. 0 when nothing was recorded.
  std::uint64_t percentile(double percent) const;

  // The bucket arithmetic, exposed for tests: the bucket of a value and the range of values a bucket holds.
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t bucket_low(std::size_t bucket);
  static std::uint64_t bucket_high(std::size_t bucket);

  static constexpr unsigned kSubBits = 7;  // 2^7 = 128 exact values, then 64 buckets per power of two
  static constexpr std::size_t kHalf = std::size_t{1} << (kSubBits - 1);
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kHalf + kHalf;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

}  // namespace ssetool
