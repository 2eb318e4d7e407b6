// Typed exceptions thrown by the library. The library never prints or exits; the CLI turns these into
// one-line messages and exit codes (see cli/main.cpp and man/ssetool.1).
#pragma once

#include <stdexcept>
#include <string>

namespace ssetool {

// Base of every error the library throws.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An event that cannot be encoded: `field` names the offending field ("event", "id", "retry").
struct InvalidEvent : Error {
  InvalidEvent(std::string field_name, const std::string& what) : Error(what), field(std::move(field_name)) {}
  std::string field;
};

// A configured limit (line size, event size, queue size...) was exceeded.
struct LimitExceeded : Error {
  using Error::Error;
};

// A value given by the user (a duration, a size, an address, a file's contents) is malformed.
struct InvalidArgument : Error {
  using Error::Error;
};

// A system call failed at run time (bind, listen, spawn...).
struct SystemError : Error {
  using Error::Error;
};

// Something the call needs is not available now (a backplane down, a server stopping): retry later.
struct Unavailable : Error {
  using Error::Error;
};

}  // namespace ssetool
