// A client's responses as a tape (see client/tape_recorder.hpp).
#include "ssetool/client/tape_recorder.hpp"

namespace ssetool {
namespace {

TapeEnd tape_end(StreamEnd how) {
  switch (how) {
    case StreamEnd::complete: return TapeEnd::complete;
    case StreamEnd::dropped: return TapeEnd::dropped;
    case StreamEnd::stopped: return TapeEnd::stopped;
  }
  return TapeEnd::stopped;
}

}  // namespace

TapeRecorder::TapeRecorder(TapeWriter& writer, bool with_bytes) : writer_(writer), with_bytes_(with_bytes) {}

void TapeRecorder::response(const ResponseInfo& info) {
  started_ = Clock::now();
  TapeHeader header{info.status, info.headers, info.method, info.url, info.last_event_id,
                    tape_timestamp(std::chrono::system_clock::now())};
  writer_.header(header);
}

void TapeRecorder::frame(const Event& frame) { writer_.event(elapsed(), frame); }

void TapeRecorder::bytes(std::string_view bytes) {
  if (with_bytes_) writer_.bytes(elapsed(), bytes);
}

void TapeRecorder::stream_end(StreamEnd how) { writer_.end(elapsed(), tape_end(how)); }

void TapeRecorder::run_end(const ClientResult& result) {
  if (result.reason == ClientResult::Reason::rejected) {
    if (!result.body_start.empty()) writer_.bytes(elapsed(), result.body_start);
    writer_.end(elapsed(), TapeEnd::complete);
  }
  if (result.reason == ClientResult::Reason::no_content) writer_.end(elapsed(), TapeEnd::complete);
}

std::chrono::microseconds TapeRecorder::elapsed() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
}

}  // namespace ssetool
