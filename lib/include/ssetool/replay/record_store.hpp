// The directory of `replay --record DIR`: one tape per recorded exchange and DIR/routes.json, the routes file that
// replays them (`ssetool replay --routes DIR/routes.json`).
//
// A tape is written under a hidden temporary name (".NAME.partial") while the exchange runs, then saved: renamed
// to its name and its route added to routes.json, which is rewritten whole to a temporary file and renamed over
// the old one (a reader sees the old file or the new one, never half of one). A route matches the method, the
// path, the query parameters and the body: a JSON body as a whole JSON value (the pointer ""), any other body as a
// substring. A new recording whose match equals an earlier route's replaces that route's recording (the older tape
// is removed). Request headers are never written, so Authorization and the --redact headers stay off the disk.
//
// Tape names are made from a counter and the request, never from the request alone: "0007-post-v1-chat.tape"
// (lower-case letters, digits, '_' and '-' only, at most 48 from the path). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "ssetool/wire/request.hpp"

namespace ssetool {

inline constexpr const char* kRecordRoutesFile = "routes.json";

struct RecordedTape {
  std::string name;          // the file name in the directory: "0007-post-v1-chat.tape"
  std::string path;          // where it is saved
  std::string partial_path;  // where it is written meanwhile
};

class RecordStore {
 public:
  // Creates the directory when missing. Throws SystemError when it cannot, or InvalidArgument when its
  // routes.json exists but is not a JSON array.
  explicit RecordStore(std::string dir);

  const std::string& dir() const { return dir_; }
  std::string routes_path() const;

  // A new, unused tape name for this request.
  RecordedTape new_tape(const Request& request);
  // Moves the finished tape in place and adds its route to routes.json. Throws SystemError.
  void save(const RecordedTape& tape, const Request& request);
  // Removes the partial tape.
  void discard(const RecordedTape& tape);

 private:
  std::string dir_;
  std::mutex mutex_;
  std::uint64_t counter_ = 0;  // the highest number used in the directory
};

}  // namespace ssetool
