// What a handler returns for a Request: a short response, an event stream whose Session opens on the
// stream loop once the headers are written, or a reply given later on the server's loop (`later`), which frees
// the worker at once: the loop writes the short response or opens the stream when the handler's work is done.
#pragma once

#include <functional>
#include <string>

#include "ssetool/loop/session.hpp"
#include "ssetool/wire/headers.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

struct Reply;
// Gives the reply of a deferred request; call it once, on the server's loop (see Reply::later).
using Answer = std::function<void(Reply)>;

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  Headers headers;
  std::function<void(Session&)> open_stream;  // set: a text/event-stream response, opened on the loop
  // A stream given as a deferred reply's answer: once it ends cleanly, its connection takes the client's next
  // request (HTTP/1.1 only) instead of closing (the session hands the socket back: Session::hand_back_at_end).
  bool keep_connection = false;
  bool admitted = false;  // a stream whose handler already holds its max_clients place (Server::reserve_stream)
  // A deferred reply's stream: the stream loop it lives on (one of Server::stream_loop); null: the next in turn.
  Loop* loop = nullptr;
  // set: the reply comes later. The server runs it on its loop with an Answer, which gives the real reply (text
  // or stream, never deferred again), once, on the loop; until then the connection waits and no worker is held.
  // An Answer never called leaves the connection waiting until shutdown cuts it.
  std::function<void(Answer)> later;
  // For a deferred reply, optional: run on the loop when the client leaves before the Answer (its connection is
  // closed at once; an Answer given afterwards does nothing).
  std::function<void()> abandoned;

  static Reply text(int status, std::string body);
  static Reply stream(std::function<void(Session&)> open);
  static Reply deferred(std::function<void(Answer)> start);
};

using Handler = std::function<Reply(const Request&)>;

}  // namespace ssetool
