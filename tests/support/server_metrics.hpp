// testsupport::metric / await_metric — read an ssetool server's own view of its state from GET /metrics, so a
// test can wait for a condition (clients connected, events published) instead of sleeping.
#pragma once

#include <chrono>
#include <string>

namespace testsupport {

// The value of the unlabelled metric `ssetool_NAME`, or -1 when /metrics does not list it.
long metric(int port, const std::string& name);

// Polls /metrics (every 5 ms, bounded by `timeout`) until the metric has `value`; false on timeout.
bool await_metric(int port, const std::string& name, long value,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace testsupport
