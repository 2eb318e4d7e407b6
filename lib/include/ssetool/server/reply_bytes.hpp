// The bytes of a reply the loop writes itself (a deferred reply, Reply::later): cpp-httplib writes every other
// response on a worker (http_bridge.hpp). Header values are the handler's; the framer has already refused any
// request whose bytes could put CR/LF into them, and the handlers build their values from checked input.
#pragma once

#include <string>

#include "ssetool/server/reply.hpp"

namespace ssetool {

// Status line, headers and body of a short reply. `keep_alive`: the connection takes another request after
// it (else "Connection: close"); `head`: the answer to a HEAD request (the body's length, not the body).
std::string reply_bytes(const Reply& reply, bool keep_alive, bool head);

// Status line and headers of an event stream; the stream's frames follow (chunked unless `chunked` is false:
// an HTTP/1.0 client, whose stream ends with the connection). `keep_alive` (chunked only): the connection takes
// another request once the stream has ended, else "Connection: close".
std::string stream_head_bytes(const Reply& reply, bool chunked, bool keep_alive = false);

// "OK", "Not Found", ...: the reason phrase of an HTTP status ("Unknown" for one not listed).
const char* reason_phrase(int status);

}  // namespace ssetool
