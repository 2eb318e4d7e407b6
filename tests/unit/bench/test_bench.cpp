// Unit tests of the load client's pieces: the log-bucket histogram, the send-stamp and numeric-id parsers, the
// URL parser, the HTTP response reader (head, chunked, Content-Length, until close) and the failure tally.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "ssetool/base/errors.hpp"
#include "ssetool/bench/histogram.hpp"
#include "ssetool/bench/response.hpp"
#include "ssetool/bench/runner.hpp"
#include "ssetool/bench/stamp.hpp"
#include "ssetool/bench/stats.hpp"
#include "ssetool/bench/target.hpp"

using ssetool::LogHistogram;
using ssetool::ResponseReader;

TEST_CASE("LogHistogram: small values are exact", "[bench][histogram]") {
  LogHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  CHECK(h.count() == 100);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  CHECK(h.mean() == Approx(50.5));
  CHECK(h.percentile(50) == 50);
  CHECK(h.percentile(99) == 99);
  CHECK(h.percentile(100) == 100);
  CHECK(h.percentile(0) == 1);
}

TEST_CASE("LogHistogram: an empty histogram reports zeros", "[bench][histogram]") {
  LogHistogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.percentile(99) == 0);
}

TEST_CASE("LogHistogram: buckets tile the whole range without gaps", "[bench][histogram]") {
  CHECK(LogHistogram::bucket_low(0) == 0);
  for (std::size_t b = 1; b < LogHistogram::kBuckets; ++b) {
    INFO("bucket " << b);
    REQUIRE(LogHistogram::bucket_low(b) == LogHistogram::bucket_high(b - 1) + 1);
    REQUIRE(LogHistogram::bucket_of(LogHistogram::bucket_low(b)) == b);
    REQUIRE(LogHistogram::bucket_of(LogHistogram::bucket_high(b)) == b);
  }
  CHECK(LogHistogram::bucket_high(LogHistogram::kBuckets - 1) == UINT64_MAX);
  CHECK(LogHistogram::bucket_of(UINT64_MAX) == LogHistogram::kBuckets - 1);
}

TEST_CASE("LogHistogram: percentiles within 1/64 of the exact value", "[bench][histogram]") {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(7.0, 1.5);  // microseconds: a long tail around a millisecond
  std::vector<std::uint64_t> samples;
  LogHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<std::uint64_t>(latency(random));
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    auto exact = static_cast<double>(samples[static_cast<std::size_t>(std::ceil(p / 100 * samples.size())) - 1]);
    INFO("p" << p << " exact " << exact << " reported " << h.percentile(p));
    CHECK(std::abs(static_cast<double>(h.percentile(p)) - exact) <= exact / 64 + 1);
  }
  CHECK(h.max() == samples.back());
  CHECK(h.min() == samples.front());
}

TEST_CASE("LogHistogram: merge adds counts", "[bench][histogram]") {
  LogHistogram a, b;
  for (int i = 0; i < 10; ++i) a.record(10);
  for (int i = 0; i < 30; ++i) b.record(1'000'000);
  a.merge(b);
  CHECK(a.count() == 40);
  CHECK(a.min() == 10);
  CHECK(a.max() == 1'000'000);
  CHECK(a.percentile(25) == 10);
  CHECK(std::abs(static_cast<double>(a.percentile(50)) - 1e6) <= 1e6 / 64);
}

TEST_CASE("send stamps: '@' digits and a space", "[bench][stamp]") {
  using ssetool::parse_send_stamp;
  CHECK(parse_send_stamp("@1714560000123456 payload") == 1714560000123456u);
  CHECK(parse_send_stamp("@0 ") == 0u);
  CHECK(parse_send_stamp("@12 ") == 12u);
  CHECK(parse_send_stamp("@9999999999999999999 x") == 9999999999999999999u);
  CHECK_FALSE(parse_send_stamp(""));
  CHECK_FALSE(parse_send_stamp("1714560000123456 payload"));  // no '@'
  CHECK_FALSE(parse_send_stamp("@1714560000123456"));          // no space after the digits
  CHECK_FALSE(parse_send_stamp("@ 123"));                      // no digits
  CHECK_FALSE(parse_send_stamp("@12a3 x"));                    // not all digits
  CHECK_FALSE(parse_send_stamp("@-5 x"));
  CHECK_FALSE(parse_send_stamp("@17145600001234567890 x"));    // 20 digits: too long
  CHECK_FALSE(parse_send_stamp(" @123 x"));
}

TEST_CASE("numeric ids", "[bench][stamp]") {
  using ssetool::parse_numeric_id;
  CHECK(parse_numeric_id("0") == 0u);
  CHECK(parse_numeric_id("42") == 42u);
  CHECK(parse_numeric_id("007") == 7u);
  CHECK_FALSE(parse_numeric_id(""));
  CHECK_FALSE(parse_numeric_id("4a"));
  CHECK_FALSE(parse_numeric_id(" 4"));
  CHECK_FALSE(parse_numeric_id("-1"));
  CHECK_FALSE(parse_numeric_id("12345678901234567890"));
}

TEST_CASE("realtime_micros is the epoch in microseconds", "[bench][stamp]") {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  auto ours = static_cast<std::int64_t>(ssetool::realtime_micros());
  CHECK(std::abs(ours - now) < 1'000'000);
}

TEST_CASE("bench URLs", "[bench][url]") {
  using ssetool::parse_bench_url;
  auto t = parse_bench_url("http://127.0.0.1:8080/events?x=1#frag");
  CHECK(t.host == "127.0.0.1");
  CHECK(t.port == 8080);
  CHECK(t.authority == "127.0.0.1:8080");
  CHECK(t.target == "/events?x=1");
  t = parse_bench_url("http://localhost");
  CHECK(t.host == "localhost");
  CHECK(t.port == 80);
  CHECK(t.target == "/");
  t = parse_bench_url("http://[::1]:9000?a=b");
  CHECK(t.host == "::1");
  CHECK(t.port == 9000);
  CHECK(t.target == "/?a=b");
  CHECK(t.authority == "[::1]:9000");
  t = parse_bench_url("https://127.0.0.1/events");  // TLS (bench/tls.hpp): the default port is 443
  CHECK(t.scheme == "https");
  CHECK(t.port == 443);
  CHECK(t.target == "/events");
  for (const char* bad : {"127.0.0.1:8080/events", "ftp://x/", "https://u@127.0.0.1/", "http://", "http://:80/",
                          "http://h:0/", "http://h:65536/", "http://h:8x/", "http://u:p@h/", "http://[::1/",
                          "http://h:/", "http://h/a b"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_bench_url(bad), ssetool::InvalidArgument);
  }
}

TEST_CASE("bench request: defaults, and extra headers replacing them", "[bench][url]") {
  auto t = ssetool::parse_bench_url("http://127.0.0.1:8080/events");
  std::string r = ssetool::bench_request(t, {});
  CHECK(r == "GET /events HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: text/event-stream\r\n"
             "Cache-Control: no-cache\r\n\r\n");
  r = ssetool::bench_request(t, {{"accept", "*/*"}, {"Authorization", "Bearer t"}});
  CHECK(r == "GET /events HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nCache-Control: no-cache\r\naccept: */*\r\n"
             "Authorization: Bearer t\r\n\r\n");
}

namespace {

// Feeds `bytes` to a reader in pieces of `piece` bytes; collects the body.
struct ReaderRun {
  std::string body;
  bool head_seen = false;
  bool accept = true;
  ResponseReader reader{{.on_head =
                             [this] {
                               head_seen = true;
                               return accept;
                             },
                         .on_body = [this](std::string_view b) { body += b; }}};

  ResponseReader::State feed(std::string_view bytes, std::size_t piece) {
    for (std::size_t i = 0; i < bytes.size() && reader.state() != ResponseReader::State::failed; i += piece)
      reader.feed(bytes.substr(i, piece));
    return reader.state();
  }
};

const char* kChunked =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    "6\r\ndata: \r\n5;ext=1\r\nhello\r\n3\r\n\n\n\n\r\n0\r\nTrailer: x\r\n\r\n";

}  // namespace

TEST_CASE("ResponseReader: a chunked response, in every piece size", "[bench][response]") {
  for (std::size_t piece : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    INFO("piece " << piece);
    ReaderRun run;
    CHECK(run.feed(kChunked, piece) == ResponseReader::State::complete);
    CHECK(run.head_seen);
    CHECK(run.reader.status() == 200);
    CHECK(run.reader.reason() == "OK");
    CHECK(run.reader.header("content-type") == "text/event-stream");
    CHECK(run.reader.chunked());
    CHECK(run.body == "data: hello\n\n\n");
  }
}

TEST_CASE("ResponseReader: Content-Length and until-close bodies", "[bench][response]") {
  ReaderRun counted;
  CHECK(counted.feed("HTTP/1.1 401 Unauthorized\r\nContent-Length: 4\r\n\r\nnopeEXTRA", 5) ==
        ResponseReader::State::complete);
  CHECK(counted.reader.status() == 401);
  CHECK(counted.reader.reason() == "Unauthorized");
  CHECK(counted.body == "nope");

  ReaderRun open_ended;
  CHECK(open_ended.feed("HTTP/1.0 200 OK\nContent-Type: text/event-stream\n\ndata: x\n\n", 4) ==
        ResponseReader::State::body);
  CHECK(open_ended.reader.finish() == ResponseReader::State::complete);
  CHECK(open_ended.body == "data: x\n\n");
}

TEST_CASE("ResponseReader: on_head may decline the body", "[bench][response]") {
  ReaderRun run;
  run.accept = false;
  CHECK(run.feed(kChunked, 1000) == ResponseReader::State::stopped);
  CHECK(run.body.empty());
}

TEST_CASE("ResponseReader: malformed and truncated responses fail with a reason", "[bench][response]") {
  struct Case {
    std::string bytes;
    const char* reason;
  };
  std::vector<Case> cases = {
      {"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP response"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "invalid status"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header"},
      {"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "invalid Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "longer than its size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(2000, '1'), "longer than 1 KiB"},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'a'), "larger than 16 KiB"},
  };
  for (const auto& c : cases) {
    INFO(c.bytes.substr(0, 60));
    ReaderRun run;
    CHECK(run.feed(c.bytes, 100) == ResponseReader::State::failed);
    CHECK_THAT(run.reader.error(), Catch::Contains(c.reason));
  }
  ReaderRun cut;
  cut.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 100);
  CHECK(cut.reader.finish() == ResponseReader::State::failed);
  CHECK_THAT(cut.reader.error(), Catch::Contains("without the final chunk"));
  ReaderRun early;
  early.feed("HTTP/1.1 200", 100);
  CHECK(early.reader.finish() == ResponseReader::State::failed);
  CHECK_THAT(early.reader.error(), Catch::Contains("before the response head"));
}

TEST_CASE("FailureTally: bounded, with the most common reason", "[bench]") {
  ssetool::FailureTally tally;
  CHECK(tally.most_common().empty());
  for (int i = 0; i < 20; ++i) tally.add("reason " + std::to_string(i % 10));
  tally.add("reason 3");
  CHECK(tally.reasons().size() == ssetool::FailureTally::kMaxReasons);
  CHECK(tally.other() == 4);  // reasons 8 and 9, twice each
  CHECK(tally.most_common() == "reason 3");
}
