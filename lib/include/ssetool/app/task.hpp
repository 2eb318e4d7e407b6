// Task: the coroutine type of an SSE handler. A handler `[](ssetool::SseSession& s) -> ssetool::Task {...}`
// becomes one coroutine per client, run on the App's stream loop. The App starts it when the client's stream
// opens, resumes it after each `co_await` on the session, and destroys it when it returns, throws (the stream
// ends and the exception is logged), or when the client is gone at its next `co_await` (locals are destroyed
// as after a return; no exception reaches the handler). A Task is a handler's top level: helpers awaited from
// it are plain functions, not Tasks.
#pragma once

#include <coroutine>
#include <exception>
#include <utility>

namespace ssetool {

class Task {
 public:
  struct promise_type {
    Task get_return_object() noexcept { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }  // the App starts it on the loop
    std::suspend_always final_suspend() noexcept { return {}; }    // the App destroys it there
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
    std::exception_ptr error;  // what the handler threw, for the App to log
  };
  using Handle = std::coroutine_handle<promise_type>;

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  // Hands the coroutine over to its owner (the App's stream driver).
  Handle release() noexcept { return std::exchange(handle_, {}); }

 private:
  explicit Task(Handle handle) noexcept : handle_(handle) {}
  Handle handle_;
};

}  // namespace ssetool
