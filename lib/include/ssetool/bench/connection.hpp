// One client stream of `ssetool bench` on the shared Loop: a non-blocking connect, the TLS handshake (https), the GET
// request, the
// response head (200 and text/event-stream required), the body de-chunked into its own Parser, and every
// dispatched event measured into the run's BenchStats. A "stalled" connection sends its request and then never
// reads (a slow consumer). Lives on the loop's thread; owned by the BenchRunner.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssetool/bench/response.hpp"
#include "ssetool/bench/stats.hpp"
#include "ssetool/bench/target.hpp"
#include "ssetool/bench/tls.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/wire/parser.hpp"

namespace ssetool {

class BenchConnection;

// What every connection of a run shares: where to connect, what to send, where to count, and the runner's
// notifications.
struct BenchContext {
  Loop& loop;
  SocketAddress address;
  std::string request;                                  // the whole GET request, sent as is
  const BenchTlsContext* tls = nullptr;                 // https: every connection's TLS; null: plain TCP
  std::string tls_host;                                 // the name (or IP) the server's certificate must carry
  std::chrono::milliseconds connect_timeout{10000};     // connect() to response head
  std::optional<std::chrono::microseconds> expect_gap;  // measure |arrival gap - this|
  BenchStats& stats;
  std::vector<char> read_buffer = std::vector<char>(256 * 1024);  // one buffer for every connection's reads
  std::function<void(BenchConnection&)> on_settled;     // opened, failed, or (stalled) request sent
  std::function<void(BenchConnection&)> on_closed;      // the connection is over (failed, ended or dropped)
};

class BenchConnection {
 public:
  enum class Phase { idle, connecting, handshaking, sending, reading_head, streaming, stalled, closed };

  BenchConnection(BenchContext& context, bool stalled);
  ~BenchConnection();
  BenchConnection(const BenchConnection&) = delete;
  BenchConnection& operator=(const BenchConnection&) = delete;

  // Starts the non-blocking connect. Failures are counted, never thrown.
  void open();
  // Closes the socket without counting anything (the end of the run).
  void close();

  Phase phase() const { return phase_; }
  bool settled() const { return settled_; }

 private:
  void on_io(std::uint32_t events);
  void on_connected();
  void continue_handshake();
  void send_request();
  ssize_t receive(char* buffer, std::size_t length);
  ssize_t transmit(const char* data, std::size_t length);
  void wait_for(std::uint32_t events);
  void read_available();
  void on_bytes(std::string_view bytes);
  bool on_head();
  void on_event(ParsedEvent&& event);
  void count_id(const ParsedEvent& event);
  void fail(const std::string& reason);   // never opened
  void drop(const std::string& reason);   // opened, then broken
  void end_cleanly();                     // opened, then ended by the server
  void settle();
  void finish_connection();

  BenchContext& ctx_;
  bool stalled_;
  Phase phase_ = Phase::idle;
  bool settled_ = false;
  int fd_ = -1;
  std::unique_ptr<BenchTlsSession> tls_;
  std::uint32_t watching_ = 0;  // the epoll events asked for now
  std::size_t request_sent_ = 0;
  Loop::TimerId timeout_ = 0;
  Loop::Clock::time_point started_;
  ResponseReader reader_;
  Parser parser_;
  // Per read: when its bytes arrived (epoch microseconds for stamps, steady clock for gaps).
  std::uint64_t read_epoch_us_ = 0;
  Loop::Clock::time_point read_at_;
  bool got_event_ = false;
  Loop::Clock::time_point last_arrival_;
  bool numeric_ids_ = false;
  std::uint64_t last_id_ = 0;
};

}  // namespace ssetool
