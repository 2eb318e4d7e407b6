// Unit tests of serve's EndpointTable, the running children shared by the stream loops and the workers: entries
// found by id with their loop, taken out one at a time or a loop's at once, and slots given back when an entry
// taken out is dropped.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "ssetool/serve/endpoint_table.hpp"

using namespace ssetool;

namespace {

// An entry without an endpoint (none is needed to test the table), holding one of `slots`.
EndpointTable::Entry entry_on(Loop& loop, ProcessSlots& slots) {
  auto slot = slots.try_acquire();
  REQUIRE(slot);
  return EndpointTable::Entry{nullptr, &loop, std::move(*slot)};
}

}  // namespace

TEST_CASE("endpoint table: find, take, take a loop's entries, slots given back", "[serve]") {
  Loop a, b;
  ProcessSlots slots(8);
  EndpointTable table;
  table.add("1", entry_on(a, slots));
  table.add("2", entry_on(b, slots));
  table.add("3", entry_on(b, slots));
  CHECK(table.size() == 3);
  CHECK(slots.in_use() == 3);

  EndpointTable::Ref ref;
  REQUIRE(table.find("2", ref));
  CHECK(ref.loop == &b);
  CHECK_FALSE(table.find("4", ref));
  auto loops = table.loops();
  CHECK(loops.size() == 2);
  CHECK(std::count(loops.begin(), loops.end(), &a) == 1);
  CHECK(table.refs().size() == 3);

  bool none_left = true;
  CHECK(table.take("1", none_left).size() == 1);  // dropped at once: its slot is back
  CHECK_FALSE(none_left);
  CHECK(slots.in_use() == 2);
  CHECK(table.take("1", none_left).empty());
  CHECK(table.take_on(a).empty());
  CHECK(table.take_on(b).size() == 2);
  CHECK(slots.in_use() == 0);
  CHECK(table.size() == 0);
  CHECK(table.take("2", none_left).empty());
  CHECK(none_left);
}

TEST_CASE("endpoint table: threads adding, finding and taking their own entries", "[serve][concurrency]") {
  Loop loops[3];
  ProcessSlots slots(1000);
  EndpointTable table;
  std::atomic<int> misses{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        table.add(id, EndpointTable::Entry{nullptr, &loops[t], *slots.try_acquire()});
        EndpointTable::Ref ref;
        if (!table.find(id, ref) || ref.loop != &loops[t]) ++misses;
        if (i % 2 == 0) {
          bool none_left = false;
          table.take(id, none_left);
        }
        table.refs();
      }
    });
  for (auto& t : threads) t.join();
  CHECK(misses == 0);
  CHECK(table.size() == 300);
  CHECK(slots.in_use() == 300);
  for (auto& loop : loops) CHECK(table.take_on(loop).size() == 100);
  CHECK(slots.in_use() == 0);
}
