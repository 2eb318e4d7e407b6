// What `ssetool listen` does with an event stream: it runs a Client and writes each event to an output as soon
// as it is read, in one of five forms; it records everything to a tape when given one; and it stops after N
// events, after the first event of a given type, or when the output's reader is gone. Per event, in this order:
// the last id is stored (--resume-file), the data is checked against a schema (a failing event is reported
// through on_problem and not printed), run through a jq program (each output is printed as an event of its own;
// data that is not JSON is reported and not printed), and each printed event is shown to the expectations, which
// may end the run (met for good, or failed). The caller owns the output
// (stdout for the CLI) and the tape; signals and --timeout stop it from outside (client/stop_watcher.hpp).
//
//   ssetool::Listener listener({.url = url}, {.format = ssetool::ListenFormat::json, .max_events = 10},
//                              [](std::string_view bytes) { std::cout << bytes << std::flush; return true; });
//   ssetool::ListenResult result = listener.run();
//
// Threads: like Client — run() blocks and calls the output on the calling thread; stop() may come from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ssetool/client/client.hpp"
#include "ssetool/client/expectations.hpp"
#include "ssetool/client/jq_filter.hpp"
#include "ssetool/client/json_schema.hpp"
#include "ssetool/client/resume_file.hpp"
#include "ssetool/client/frame_normalizer.hpp"
#include "ssetool/client/tape_recorder.hpp"
#include "ssetool/wire/tape.hpp"

namespace ssetool {

// What is written per event.
enum class ListenFormat {
  data,  // its data and a newline
  json,  // one object per line: event, data, id, and retry when the block had one
  raw,   // the body bytes as received
  sse,   // the frames the server effectively sent, as normalised text/event-stream (client/frame_normalizer.hpp)
  ndjson,  // JSON Lines with the receive time (client/ndjson_line.hpp)
};

struct ListenOptions {
  ListenFormat format = ListenFormat::data;
  std::optional<std::uint64_t> max_events = {};  // stop after this many events
  std::string until = {};                        // stop after the first event of this type (it is written)
  TapeWriter* tape = nullptr;                    // record every response to this tape
  bool record_bytes = false;                     // with a tape: also the raw bytes of every read
  std::function<void(const std::string&)> log = {};  // the connection's life, one line each (-v)
  std::function<void(const RetryNotice&)> on_retry = {};  // before each wait to reconnect (what failed, what next)
  // The caller owns these; each may be null. jq and schema work with the data and json forms (not raw, sse).
  ResumeFile* resume = nullptr;        // every new last id is stored (and flushed at the end of run())
  const JsonSchema* schema = nullptr;  // events whose data fails it are reported and not printed
  bool fail_fast = false;              // with schema: end the run at the first failing event
  JqFilter* jq = nullptr;              // the data is replaced by each output of this program
  Expectations* expect = nullptr;      // the run ends once they are met for good, or one failed
  bool end_with_stream = false;        // an accepted stream that ends (or drops) ends the run: no reconnection
  // A problem with one event (not JSON for jq, failed the schema), one line: "event 3 (id 7): ...".
  std::function<void(const std::string&)> on_problem = {};
};

// Where the events go. Returns false once its reader is gone (a closed pipe): the run then ends quietly.
using ListenOutput = std::function<bool(std::string_view bytes)>;

struct ListenResult {
  ClientResult client;         // how the client's run ended
  bool output_closed = false;  // the output's reader went away
  bool done = false;           // max_events or until was reached, or the expectations were met for good
  bool expect_failed = false;  // an expectation failed before the end of the run
  bool failed_fast = false;    // fail_fast: an event failed the schema
  std::uint64_t schema_failures = 0;  // events that failed the schema
};

class Listener {
 public:
  Listener(ClientOptions client_options, ListenOptions options, ListenOutput output);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Runs the client to its end. Throws what the client throws (InvalidArgument for a bad URL), SystemError when
  // the tape cannot be written, and whatever the output throws.
  ListenResult run();
  // Thread-safe; also from inside the output.
  void stop() { client_.stop(); }

 private:
  ClientCallbacks callbacks();
  void on_event(const ParsedEvent& e);
  bool passes_schema(const ParsedEvent& e);
  void print(const ParsedEvent& e);
  void check_stop(const ParsedEvent& e);
  void problem(const ParsedEvent& e, const std::string& what);
  void on_frame(const Event& frame);
  void write(std::string_view bytes);

  ListenOptions options_;
  ListenOutput output_;
  FrameNormalizer normalizer_;
  std::optional<TapeRecorder> recorder_;
  std::uint64_t events_ = 0;
  ListenResult state_;
  Client client_;
};

// One line of -o json: {"event":..., "data":..., "id":..., "retry":...} (retry only when the block had one),
// invalid UTF-8 replaced.
std::string listen_json(const ParsedEvent& e);

}  // namespace ssetool
