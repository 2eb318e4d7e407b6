// Feed: a broadcast route (App::broadcast). Every client of its path receives every event published, numbered by
// the hub (ids that never repeat or go back), with a bounded history for Last-Event-ID resume.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "ssetool/wire/event.hpp"

namespace ssetool {

struct FeedOptions {
  std::size_t history = 1000;  // events kept for resume; the oldest is forgotten first
  std::size_t queue = 4096;    // events waiting for the loop; publish() blocks while this many wait
};

class Feed {
 public:
  class Impl;
  explicit Feed(std::unique_ptr<Impl> impl);
  ~Feed();
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // Thread-safe, from any thread but the loop's (it may block there). Hands the event to the loop, which numbers
  // it, encodes it once and sends it to every client. Blocks while FeedOptions::queue events wait for the loop
  // (back-pressure on the producer, never loss). False once the App has shut down (the event is dropped).
  // Throws InvalidEvent for an event that cannot be encoded (CR, LF in its type; CR, LF, NUL in its id).
  bool publish(Event event);
  bool publish(std::string_view data);
  bool publish(std::string_view type, std::string_view data);

  // Thread-safe: events published to clients so far.
  std::uint64_t published() const;

  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssetool
