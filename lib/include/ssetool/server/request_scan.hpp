// Decides, from the bytes received so far on a connection, whether a whole HTTP/1.x request has arrived,
// so that the stream loop hands a connection to a worker only when the worker will not wait for a client.
#pragma once

#include <cstddef>
#include <string_view>

namespace ssetool {

enum class RequestScan {
  incomplete,      // keep reading
  complete,        // headers and any Content-Length body are here (or the body is chunked)
  headers_too_large,
  body_too_large,
};

RequestScan scan_request(std::string_view received, std::size_t max_header_bytes, std::size_t max_body_bytes);

}  // namespace ssetool
