// Unit tests of HubFanout and LoopThread: a hub on one loop thread, sessions on two others (and on the hub's own),
// joining while events are published. Each session must get the history it asked for, then every later event once,
// in order; the hub's loop must post to each other loop once per batch, not once per session.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <future>
#include <poll.h>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/hub/hub.hpp"
#include "ssetool/loop/hub_fanout.hpp"
#include "ssetool/loop/loop_thread.hpp"
#include "ssetool/loop/session.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

constexpr int kEvents = 2000;

// Runs fn on the loop's thread and waits for it (at most 10 s).
template <typename Fn>
auto on_loop(Loop& loop, Fn fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  loop.post([&task] { task(); });
  REQUIRE(result.wait_for(10s) == std::future_status::ready);
  return result.get();
}

// A session on `loop`, unchunked, writing to one end of a socket pair; the test reads the other.
struct Client {
  int fd = -1;
  std::shared_ptr<Session> session;
  std::string received;

  Client(Loop& loop, HubFanout& fanout, std::optional<std::string> last_event_id) {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    int big = 4 << 20;
    setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    fd = fds[0];
    session = on_loop(loop, [&] {
      auto s = std::make_shared<Session>(loop, std::make_unique<Transport>(fds[1]), Request{}, 1, 64 << 20);
      s->set_chunked(false);
      s->start();
      fanout.subscribe(*s, last_event_id, 0, std::nullopt);
      return s;
    });
  }
  ~Client() { ::close(fd); }

  // Reads until the frame of the last event arrived (at most 10 s); the ids received, in order.
  std::vector<long> ids() {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string last = "id: " + std::to_string(kEvents) + "\n";
    while (received.find(last) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      received.append(buf, static_cast<std::size_t>(n));
    }
    std::vector<long> ids;
    std::regex id_line("id: (\\d+)\n");
    for (std::sregex_iterator it(received.begin(), received.end(), id_line), end; it != end; ++it)
      ids.push_back(std::stol((*it)[1]));
    return ids;
  }
};

bool consecutive(const std::vector<long>& ids, long first, long last) {
  if (ids.size() != static_cast<std::size_t>(last - first + 1)) return false;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] != first + static_cast<long>(i)) return false;
  return true;
}

void publish(Hub& hub, int from, int to) {
  for (int i = from; i <= to; ++i) {
    Event e;
    e.data = std::to_string(i);
    hub.publish(e);
  }
}

}  // namespace

TEST_CASE("HubFanout: sessions on three loops joining while events flow get their history, then each event once",
          "[loop][fanout][concurrency]") {
  LoopThread hub_thread;
  Loop& hub_loop = hub_thread.loop();
  Hub hub(HubOptions{.history = 100000});
  HubFanout fanout(hub, hub_loop);
  LoopThread a, b;  // destroyed before the fanout they use
  on_loop(hub_loop, [&] { publish(hub, 1, 100); });

  // The publisher: 20 events per iteration of the hub's loop, posting itself again, while the clients join; the
  // last 100 once every client is in (so that each fresh one has some).
  constexpr int kBeforeLast = kEvents - 100;
  std::atomic<int> next{101};
  std::function<void()> step = [&] {
    int from = next.load();
    int to = std::min(from + 19, kBeforeLast);
    publish(hub, from, to);
    next = to + 1;
    if (to < kBeforeLast) hub_loop.post(step);
  };
  hub_loop.post(step);
  std::vector<std::unique_ptr<Client>> resuming, fresh;
  for (Loop* loop : {&a.loop(), &b.loop(), &hub_loop}) {
    resuming.push_back(std::make_unique<Client>(*loop, fanout, "50"));
    fresh.push_back(std::make_unique<Client>(*loop, fanout, std::nullopt));
  }
  on_loop(hub_loop, [&] {});  // every join was posted to the hub's loop before this: they have run
  on_loop(a.loop(), [&] {});  // and the joins they posted on to a and b too
  on_loop(b.loop(), [&] {});
  for (int i = 0; i < 10000 && on_loop(hub_loop, [&] { return next.load(); }) <= kBeforeLast; ++i) {
  }  // each call waits for one more iteration of the publisher
  REQUIRE(next.load() == kBeforeLast + 1);
  on_loop(hub_loop, [&] { publish(hub, kBeforeLast + 1, kEvents); });
  for (auto& c : resuming) CHECK(consecutive(c->ids(), 51, kEvents));
  for (auto& c : fresh) {
    auto ids = c->ids();
    REQUIRE_FALSE(ids.empty());
    CHECK(consecutive(ids, ids.front(), kEvents));
  }
  for (auto& c : resuming) on_loop(c->session->loop(), [&] { c->session->abort(); });
  for (auto& c : fresh) on_loop(c->session->loop(), [&] { c->session->abort(); });
  // The sessions of a and b left their relays; the hub's loop keeps exactly one subscriber per other loop.
  CHECK(on_loop(hub_loop, [&] { return hub.subscribers(); }) == 2);
}

TEST_CASE("LoopThread: runs posted work on its own thread, then stops and joins, default_loop_count is bounded",
          "[loop][concurrency]") {
  LoopThread thread;
  auto id = on_loop(thread.loop(), [] { return std::this_thread::get_id(); });
  CHECK(id != std::this_thread::get_id());
  thread.stop_and_join();
  thread.stop_and_join();  // idempotent
  CHECK(default_loop_count() >= 1);
  CHECK(default_loop_count() <= kMaxDefaultLoops);
}
