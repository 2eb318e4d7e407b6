// testsupport::run_bounded — runs an ssetool Loop on the test's thread until the test stops it, or fails the test
// and stops it after `limit`, so that no unit test on the loop can wait for ever. Work deferred before the call
// runs in the first iteration.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>

#include "ssetool/loop/loop.hpp"

namespace testsupport {

inline void run_bounded(ssetool::Loop& loop, std::chrono::seconds limit = std::chrono::seconds(10)) {
  loop.post([] {});  // an iteration at once, so that what was deferred before run() is done
  auto guard = loop.add_timer(limit, [&] {
    FAIL_CHECK("the loop was not stopped in time");
    loop.stop();
  });
  loop.run();
  loop.cancel_timer(guard);
}

}  // namespace testsupport
