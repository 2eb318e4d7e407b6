// Counting live `serve` children against --max-procs (see serve/process_slots.hpp).
#include "ssetool/serve/process_slots.hpp"

namespace ssetool {

std::optional<ProcessSlots::Slot> ProcessSlots::try_acquire() {
  std::size_t used = used_.load();
  do {
    if (used >= limit_) return std::nullopt;
  } while (!used_.compare_exchange_weak(used, used + 1));
  return Slot(this);
}

ProcessSlots::Slot& ProcessSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

void ProcessSlots::Slot::release() {
  if (owner_) owner_->used_.fetch_sub(1);
  owner_ = nullptr;
}

}  // namespace ssetool
