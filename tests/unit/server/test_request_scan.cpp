// Unit tests for request completeness detection (the loop hands a connection to a worker only when whole).
#include <catch2/catch.hpp>

#include "ssetool/server/request_scan.hpp"

using ssetool::RequestScan;
using ssetool::scan_request;

TEST_CASE("requests are complete once headers and the Content-Length body are in", "[scan]") {
  CHECK(scan_request("GET / HTTP/1.1\r\nHost: x\r\n", 1000, 1000) == RequestScan::incomplete);
  CHECK(scan_request("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1000, 1000) == RequestScan::complete);
  CHECK(scan_request("POST / HTTP/1.1\r\ncontent-length: 5\r\n\r\nabc", 1000, 1000) == RequestScan::incomplete);
  CHECK(scan_request("POST / HTTP/1.1\r\nContent-Length:  5\r\n\r\nabcde", 1000, 1000) == RequestScan::complete);
  CHECK(scan_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 1000, 1000) == RequestScan::complete);
}

TEST_CASE("oversized headers and bodies are refused before a worker sees them", "[scan]") {
  CHECK(scan_request(std::string(2000, 'a'), 1000, 1000) == RequestScan::headers_too_large);
  CHECK(scan_request("POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 1000, 1000) == RequestScan::body_too_large);
}
