// The bounded failure tally of `ssetool bench` (see bench/stats.hpp).
#include "ssetool/bench/stats.hpp"

namespace ssetool {

void FailureTally::add(const std::string& reason) {
  for (auto& [r, n] : reasons_) {
    if (r == reason) {
      ++n;
      return;
    }
  }
  if (reasons_.size() < kMaxReasons) reasons_.emplace_back(reason, 1);
  else ++other_;
}

std::string FailureTally::most_common() const {
  const std::pair<std::string, std::uint64_t>* best = nullptr;
  for (const auto& r : reasons_)
    if (best == nullptr || r.second > best->second) best = &r;
  return best ? best->first : std::string();
}

}  // namespace ssetool
