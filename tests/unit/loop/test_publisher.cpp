// Unit tests for the source-thread → loop hand-off: order, back-pressure at capacity, close after the last batch.
#include <catch2/catch.hpp>

#include <thread>

#include "ssetool/loop/publisher.hpp"

using namespace ssetool;

TEST_CASE("events reach the loop in order, in batches, then the close", "[publisher][concurrency]") {
  Loop loop;
  std::vector<std::string> received;
  std::size_t largest_batch = 0;
  bool closed = false;
  Publisher publisher(
      loop,
      [&](std::vector<Event>& batch) {
        largest_batch = std::max(largest_batch, batch.size());
        for (auto& e : batch) received.push_back(e.data);
      },
      [&] {
        closed = true;
        loop.stop();
      },
      /*capacity=*/8);
  std::thread source([&] {
    for (int i = 0; i < 1000; ++i) {
      std::vector<Event> one(1);
      one[0].data = std::to_string(i);
      REQUIRE(publisher.publish_all(one));
      CHECK(one.empty());
    }
    publisher.close();
  });
  loop.run();
  source.join();
  CHECK(closed);
  REQUIRE(received.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(received[i] == std::to_string(i));
  CHECK(largest_batch <= 8);  // the source waited for room rather than queueing without bound
}

TEST_CASE("cancel releases a source blocked on a full queue", "[publisher][concurrency]") {
  Loop loop;  // never run: nothing drains, so the queue stays full
  Publisher publisher(loop, [](std::vector<Event>&) {}, nullptr, /*capacity=*/2);
  std::vector<Event> three(3);
  std::thread source([&] { CHECK_FALSE(publisher.publish_all(three)); });
  publisher.cancel();
  source.join();
  std::vector<Event> more(1);
  CHECK_FALSE(publisher.publish_all(more));
}

TEST_CASE("cancel counts the events it drops: those waiting and those a blocked publish had not handed over",
          "[publisher][concurrency]") {
  Loop loop;  // never run: nothing drains
  Publisher publisher(loop, [](std::vector<Event>&) {}, nullptr, /*capacity=*/2);
  std::vector<Event> five(5);
  std::thread source([&] { CHECK_FALSE(publisher.publish_all(five)); });
  publisher.cancel();
  source.join();
  // Either the source had queued two and was waiting with three (2 + 3), or cancel came first (all 5 refused).
  CHECK(publisher.dropped() == 5);
  CHECK(five.empty());
}
