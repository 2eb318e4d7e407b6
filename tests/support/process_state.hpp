// testsupport::process_state, wait_dead and descendants — what /proc says of a process the test did not start
// itself (a grandchild: ssetool's child), for tests that check children are stopped and reaped.
//
//   REQUIRE(testsupport::wait_dead(child_pid));   // gone, or a zombie that is someone else's to reap
#pragma once

#include <chrono>
#include <set>
#include <sys/types.h>

namespace testsupport {

// The state letter from /proc/PID/stat ('R', 'S', 'Z' for a zombie...), 0 when the process does not exist.
char process_state(pid_t pid);

// Waits, at most `timeout`, until the process is gone or a zombie. Polls /proc: a grandchild gives the test no
// descriptor to wait on.
bool wait_dead(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Every process below `root` now (children, grandchildren...).
std::set<pid_t> descendants(pid_t root);

}  // namespace testsupport
