// SseSession: one client's event stream as an SSE handler sees it (Ktor's ServerSSESession), and the options of
// an sse() route. Every member but post() and poster() is for the handler's coroutine, on the App's loop.
//
//   co_await s.send(event);        // queues it; suspends while the client has more than the watermark queued
//   co_await s.send("text");       // data only;  co_await s.send("type", "text"): event type and data
//   co_await s.send(customer);     // any T with nlohmann to_json, through the route's serialize
//   co_await s.sleep(1s);          // pacing, on the loop's timers (never blocks the thread)
//
// When the client goes away (or close() or the server's shutdown ended the stream), the handler's next co_await
// does not return: the coroutine is destroyed there, its locals with it. A send() on an ended stream does nothing.
//
// g++ 12 (Debian 12): never build an aggregate inside the co_await expression. `co_await s.send(Event{.data = x})`
// frees the string twice and `co_await s.send(Product{0, {100, 200}})` does not compile. Name the value first
// (`Event e{.data = x}; co_await s.send(e);`) or use the string_view overloads. See docs/library.md.
#pragma once

#include <chrono>
#include <concepts>
#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ssetool/wire/event.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

class StreamDriver;
struct PostTarget;

// A route's heartbeat: `event` is sent every `period` while the stream is open (0: none).
struct Heartbeat {
  std::chrono::milliseconds period{0};
  Event event{.data = "heartbeat"};
};

// Turns a value given to send(const T&) into the event's data. Empty: nlohmann::json(value).dump().
using Serializer = std::function<std::string(const nlohmann::json&)>;

// Options of one sse() route.
struct SseOptions {
  Heartbeat heartbeat;
  Serializer serialize;
  std::optional<std::chrono::milliseconds> retry;  // `retry:` sent first, the client's reconnection delay
};

// A handle for other threads: queues events to one stream. Copyable; outlives the stream safely.
class EventPoster {
 public:
  EventPoster() = default;
  explicit EventPoster(std::shared_ptr<PostTarget> target) : target_(std::move(target)) {}
  // Thread-safe. Queues the event for the stream (the client's buffer limit applies: a client too far behind is
  // dropped as slow). False once the stream has ended. Throws InvalidEvent for an event that cannot be encoded.
  bool post(Event event) const;

 private:
  std::shared_ptr<PostTarget> target_;
};

class SseSession {
 public:
  // The awaitable of send(): ready at once unless the client has more than the watermark queued.
  class [[nodiscard]] SendAwaiter {
   public:
    explicit SendAwaiter(StreamDriver& driver) : driver_(driver) {}
    bool await_ready() const noexcept;
    void await_suspend(std::coroutine_handle<> handle) noexcept;
    void await_resume() const noexcept {}

   private:
    StreamDriver& driver_;
  };

  // The awaitable of sleep().
  class [[nodiscard]] SleepAwaiter {
   public:
    SleepAwaiter(StreamDriver& driver, std::chrono::microseconds delay) : driver_(driver), delay_(delay) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> handle) noexcept;
    void await_resume() const noexcept {}

   private:
    StreamDriver& driver_;
    std::chrono::microseconds delay_;
  };

  explicit SseSession(StreamDriver& driver) : driver_(driver) {}
  SseSession(const SseSession&) = delete;
  SseSession& operator=(const SseSession&) = delete;

  // Queues one event (throws InvalidEvent for a type or id with CR, LF or NUL); co_await it for back-pressure.
  SendAwaiter send(const Event& event);
  SendAwaiter send(std::string_view data);
  SendAwaiter send(std::string_view type, std::string_view data);
  // Any other value: its JSON (nlohmann to_json) through the route's serialize, as the data.
  template <typename T>
    requires(!std::convertible_to<const T&, std::string_view> && !std::same_as<T, Event>)
  SendAwaiter send(const T& value) {
    return send_json(nlohmann::json(value));
  }

  // Suspends the handler for `delay` (the loop serves every other stream meanwhile).
  SleepAwaiter sleep(std::chrono::microseconds delay) { return SleepAwaiter(driver_, delay); }

  // The request that opened the stream (method, path, query, headers, remote address): Ktor's `call`.
  const Request& request() const;
  // The Last-Event-ID the client resumes from (header, else the lastEventId query parameter).
  std::optional<std::string> last_event_id() const { return request().last_event_id(); }

  // Ends the stream cleanly once what is queued is written, without a final event (as Ktor's close()). The
  // handler ends at its next co_await.
  void close();
  // False once the stream ended: client gone, close(), dropped as slow, or server shutdown.
  bool is_open() const;

  // Thread-safe: queues an event from another thread (see EventPoster::post). For a thread that may outlive
  // this handler, take a poster() and post through it.
  bool post(Event event) const { return poster().post(std::move(event)); }
  EventPoster poster() const;

 private:
  SendAwaiter send_json(const nlohmann::json& value);
  StreamDriver& driver_;
};

}  // namespace ssetool
