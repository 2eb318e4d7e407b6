// Records what a Client receives as a tape (wire/tape.hpp), for `listen --record`: one header per response,
// its frames (as normalised by client/frame_normalizer.hpp) and optionally the raw bytes of every read, each
// timed from the start of its response, then how it ended. The caller owns the TapeWriter (and so the file).
//
//   ssetool::TapeWriter writer("run.tape");
//   ssetool::TapeRecorder recorder(writer, /*with_bytes=*/false);
//   // from the client's callbacks: recorder.response(info), recorder.frame(frame), recorder.bytes(read),
//   // recorder.stream_end(how); after client.run(): recorder.run_end(result).
#pragma once

#include <chrono>
#include <string_view>

#include "ssetool/client/client.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/tape.hpp"

namespace ssetool {

class TapeRecorder {
 public:
  // `with_bytes`: also record the raw bytes of every read, to replay the exact chunking.
  TapeRecorder(TapeWriter& writer, bool with_bytes);

  void response(const ResponseInfo& info);  // starts a response: its header, and the clock of its lines
  void frame(const Event& frame);
  void bytes(std::string_view bytes);       // recorded only `with_bytes`
  void stream_end(StreamEnd how);           // an accepted response ended
  // After the run: a response that was not a stream has no stream end of its own; a rejected one's body is
  // recorded (always: it has no events), then it ends as complete, like a 204.
  void run_end(const ClientResult& result);

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::microseconds elapsed() const;

  TapeWriter& writer_;
  bool with_bytes_;
  Clock::time_point started_ = Clock::now();
};

}  // namespace ssetool
