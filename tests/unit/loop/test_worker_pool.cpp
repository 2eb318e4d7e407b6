// Unit tests for the worker threads: jobs start in order of arrival, run off the submitting thread, and the
// destructor finishes every queued job before it joins.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "ssetool/loop/worker_pool.hpp"

using namespace ssetool;

TEST_CASE("worker pool: one thread runs jobs in order of arrival", "[worker_pool][concurrency]") {
  std::mutex mutex;
  std::vector<int> order;
  {
    WorkerPool pool(1);
    for (int i = 0; i < 100; ++i)
      pool.submit([&, i] {
        std::lock_guard lock(mutex);
        order.push_back(i);
      });
  }  // joins
  REQUIRE(order.size() == 100);
  bool in_order = true;
  for (int i = 0; i < 100; ++i) in_order = in_order && order[i] == i;
  CHECK(in_order);
}

TEST_CASE("worker pool: the destructor finishes every queued job, on the workers, then joins",
          "[worker_pool][concurrency]") {
  std::atomic<int> done{0};
  std::atomic<int> on_caller{0};
  const auto caller = std::this_thread::get_id();
  {
    WorkerPool pool(4);
    for (int i = 0; i < 1000; ++i)
      pool.submit([&] {
        if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
        done.fetch_add(1);
      });
  }
  CHECK(done == 1000);
  CHECK(on_caller == 0);
}

TEST_CASE("worker pool: jobs run side by side on several threads", "[worker_pool][concurrency]") {
  // Two jobs that each wait for the other to start can only both finish on two threads at once.
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  {
    WorkerPool pool(2);
    for (int i = 0; i < 2; ++i)
      pool.submit([&] {
        started.fetch_add(1);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (started.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        if (started.load() == 2) met.fetch_add(1);
      });
  }
  CHECK(met == 2);
}

TEST_CASE("worker pool: a pool with nothing to do joins at once", "[worker_pool][concurrency]") {
  auto start = std::chrono::steady_clock::now();
  { WorkerPool pool(4); }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
