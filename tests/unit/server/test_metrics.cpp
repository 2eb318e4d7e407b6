// Unit tests of the /metrics text (server/metrics.hpp): the refusal counters by status.
#include <catch2/catch.hpp>

#include "ssetool/server/metrics.hpp"

TEST_CASE("metrics: refusals are counted by status, any other status as other", "[metrics]") {
  ssetool::ServerStats stats;
  stats.refused.count(413);
  stats.refused.count(413);
  stats.refused.count(408);
  stats.refused.count(418);
  std::string text = ssetool::metrics_text(stats, {});
  CHECK(text.find("# TYPE ssetool_requests_refused_total counter\n") != std::string::npos);
  CHECK(text.find("\nssetool_requests_refused_total{status=\"413\"} 2\n") != std::string::npos);
  CHECK(text.find("\nssetool_requests_refused_total{status=\"408\"} 1\n") != std::string::npos);
  CHECK(text.find("\nssetool_requests_refused_total{status=\"400\"} 0\n") != std::string::npos);
  CHECK(text.find("\nssetool_requests_refused_total{status=\"other\"} 1\n") != std::string::npos);
}
