// The bytes of a reply the loop writes itself (see server/reply_bytes.hpp).
#include "ssetool/server/reply_bytes.hpp"

#include <fmt/core.h>

namespace ssetool {
namespace {

std::string header_lines(const Headers& headers) {
  std::string out;
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  return out;
}

}  // namespace

std::string reply_bytes(const Reply& reply, bool keep_alive, bool head) {
  bool bodiless = reply.status == 204 || reply.status == 304 || reply.status < 200;
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", reply.status, reason_phrase(reply.status));
  out += header_lines(reply.headers);
  if (!keep_alive) out += "Connection: close\r\n";
  if (!bodiless) out += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", reply.content_type, reply.body.size());
  out += "\r\n";
  if (!bodiless && !head) out += reply.body;
  return out;
}

std::string stream_head_bytes(const Reply& reply, bool chunked, bool keep_alive) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", reply.status, reason_phrase(reply.status));
  out += header_lines(reply.headers);
  if (!(keep_alive && chunked)) out += "Connection: close\r\n";
  out += "Content-Type: text/event-stream\r\n";
  if (chunked) out += "Transfer-Encoding: chunked\r\n";
  out += "\r\n";
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace ssetool
