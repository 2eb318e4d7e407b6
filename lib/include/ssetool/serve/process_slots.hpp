// Admission for `serve --max-procs N`: at most N child processes alive at once. A Slot is taken on a worker
// thread before a child is spawned and travels with the child; it is given back when the Slot is destroyed —
// after the child has been reaped, or when the child was never started. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>

namespace ssetool {

class ProcessSlots {
 public:
  class Slot {
   public:
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    void release();

   private:
    friend class ProcessSlots;
    explicit Slot(ProcessSlots* owner) : owner_(owner) {}
    ProcessSlots* owner_;
  };

  explicit ProcessSlots(std::size_t limit) : limit_(limit) {}
  // A slot, or nothing when `limit` are in use.
  std::optional<Slot> try_acquire();
  std::size_t in_use() const { return used_.load(); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace ssetool
