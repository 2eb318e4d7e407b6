// fuzz-links: client
// libFuzzer target: the client's response reader. Each input is sent, as the whole response, by a loopback server
// to a real ssetool::Client (status line, headers, framing, the head's 64 KiB bound, the SSE parser). Checks that
// the run ends, that no reported response head is larger than the bound, and that nothing crashes. Inputs that
// mention a Location header are skipped: a redirect could lead the client off the loopback interface.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "ssetool/client/client.hpp"

namespace {

constexpr std::size_t kHeadLimit = 4096;  // small, so the fuzzer reaches the bound

bool mentions_location(std::string_view bytes) {
  static constexpr std::string_view kName = "location";
  for (std::size_t i = 0; i + kName.size() <= bytes.size(); ++i) {
    std::size_t k = 0;
    while (k < kName.size() && (bytes[i + k] | 0x20) == kName[k]) ++k;
    if (k == kName.size()) return true;
  }
  return false;
}

// A loopback server that answers each connection with the current input, then closes it.
class ResponseServer {
 public:
  ResponseServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 64) != 0)
      std::abort();
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    std::thread([this] { serve(); }).detach();  // lives as long as the fuzzing process
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }
  void set_response(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    response_.assign(bytes);
  }

 private:
  void serve() {
    for (;;) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::string head;
      char buffer[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) break;
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<std::size_t>(n));
      }
      std::string response;
      {
        std::lock_guard lock(mutex_);
        response = response_;
      }
      std::size_t done = 0;
      while (done < response.size()) {
        ssize_t n = ::send(fd, response.data() + done, response.size() - done, MSG_NOSIGNAL);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fd);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  std::string response_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ResponseServer server;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (mentions_location(input)) return 0;
  server.set_response(input);
  ssetool::ClientOptions options{.url = server.url(), .reconnect = false};
  options.connect_timeout = std::chrono::seconds(2);
  options.idle_timeout = std::chrono::seconds(2);
  options.max_response_head = kHeadLimit;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_response = [](const ssetool::ResponseInfo& info) {
    std::size_t head = info.reason.size();
    for (const auto& [name, value] : info.headers) head += name.size() + value.size();
    if (head > kHeadLimit) std::abort();  // the bound did not hold
  };
  ssetool::Client client(options, callbacks);
  client.run();
  return 0;
}
