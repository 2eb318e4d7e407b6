// Unit tests for what `serve` shares between worker threads and the loop: the registry of sessions that take
// input (with each one's bounded stdin budget), session ids, and the --max-procs slots.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "ssetool/serve/process_slots.hpp"
#include "ssetool/serve/stdin_registry.hpp"

using namespace ssetool;

TEST_CASE("session registry: unknown, accepted, full, released, removed", "[serve]") {
  StdinRegistry registry(10);
  CHECK(registry.reserve("a", 1) == StdinRegistry::Admission::unknown);
  registry.add("a");
  CHECK(registry.reserve("a", 6) == StdinRegistry::Admission::accepted);
  CHECK(registry.reserve("a", 5) == StdinRegistry::Admission::full);
  CHECK(registry.reserve("a", 4) == StdinRegistry::Admission::accepted);
  registry.release("a", 6);
  CHECK(registry.reserve("a", 6) == StdinRegistry::Admission::accepted);
  registry.release("a", 100);  // more than counted: clamps at zero
  CHECK(registry.reserve("a", 10) == StdinRegistry::Admission::accepted);
  registry.remove("a");
  CHECK(registry.reserve("a", 1) == StdinRegistry::Admission::unknown);
  registry.release("a", 1);  // ignored
  CHECK(registry.size() == 0);
}

TEST_CASE("session registry: threads never get more than the limit accepted", "[serve][concurrency]") {
  constexpr std::size_t kLimit = 1000;
  StdinRegistry registry(kLimit);
  registry.add("s");
  std::atomic<std::size_t> outstanding{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        if (registry.reserve("s", 7) != StdinRegistry::Admission::accepted) continue;
        std::size_t now = outstanding.fetch_add(7) + 7;
        std::size_t seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        outstanding.fetch_sub(7);
        registry.release("s", 7);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(peak.load() <= kLimit);
  CHECK(peak.load() > 0);
  CHECK(registry.reserve("s", kLimit) == StdinRegistry::Admission::accepted);  // everything was released
}

TEST_CASE("session ids are 32 hex digits and do not repeat", "[serve]") {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = make_session_id();
    CHECK(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    ids.insert(id);
  }
  CHECK(ids.size() == 1000);
}

TEST_CASE("process slots: at most the limit at once, a destroyed or released slot is given back", "[serve]") {
  ProcessSlots slots(2);
  auto a = slots.try_acquire();
  auto b = slots.try_acquire();
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(slots.try_acquire());
  CHECK(slots.in_use() == 2);
  a.reset();
  CHECK(slots.in_use() == 1);
  auto c = slots.try_acquire();
  REQUIRE(c);
  ProcessSlots::Slot moved = std::move(*c);
  c.reset();  // the moved-from slot gives back nothing
  CHECK(slots.in_use() == 2);
  moved.release();
  moved.release();
  CHECK(slots.in_use() == 1);
}

TEST_CASE("process slots: threads never hold more than the limit", "[serve][concurrency]") {
  ProcessSlots slots(3);
  std::atomic<int> holding{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        auto slot = slots.try_acquire();
        if (!slot) continue;
        int now = ++holding;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        --holding;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(peak.load() <= 3);
  CHECK(peak.load() >= 1);
  CHECK(slots.in_use() == 0);
}
