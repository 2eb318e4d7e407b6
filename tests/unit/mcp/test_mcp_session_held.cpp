// Unit tests of McpSession::request_held (mcp/mcp_session.hpp) with a real child (a small stdio JSON-RPC server in
// Python): a response that comes alone is handed over as the whole stream (priming event, response), something
// else first opens the stream at once, and a child slower than hold_head gets its stream opened after it.
#include <catch2/catch.hpp>

#include "run_bounded.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/mcp/mcp_session.hpp"
#include "ssetool/sources/process.hpp"
#include "python_child.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

// "fast": answered at once; "chatty": a progress notification first, then (50 ms later) the response; "slow":
// answered after 0.3 s.
constexpr const char* kChild = R"PY(
import json, sys, time
for line in sys.stdin:
    m = json.loads(line)
    if "id" not in m:
        continue
    if m["method"] == "chatty":
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/progress",
                                     "params": {"progressToken": 7, "progress": 1}}) + "\n")
        sys.stdout.flush()
        time.sleep(0.05)
    if m["method"] == "slow":
        time.sleep(0.3)
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": {"ok": True}}) + "\n")
    sys.stdout.flush()
)PY";

struct HeldFixture {
  Loop loop;
  ProcessSlots slots{1};
  std::shared_ptr<McpSession> session;
  std::optional<std::optional<std::string>> ready;  // what request_held's callback got
  Loop::Clock::time_point sent, readied;

  explicit HeldFixture(std::chrono::microseconds hold_head) {
    ProcessOptions o = testsupport::python_child(kChild);
    McpSessionOptions options;
    options.kill_grace = 1s;
    options.hold_head = hold_head;
    McpSession::Hooks hooks{.ended = [](const std::string&) {}, .done = [this] { loop.stop(); }};
    session = std::make_shared<McpSession>(loop, Process::spawn(o), std::move(*slots.try_acquire()), 1,
                                           std::string(), options, std::move(hooks));
    session->start();
  }
  ~HeldFixture() {  // the child ended and reaped
    session->end("test over");
    testsupport::run_bounded(loop);
  }

  void call(const std::string& method) {
    JsonRpcMessage request = classify_message(R"({"jsonrpc":"2.0","id":3,"method":")" + method + R"(","params":{"_meta":{"progressToken":7}}})");
    sent = Loop::Clock::now();
    session->request_held(request, true, [this](std::optional<std::string> events, std::uint64_t) {
      ready = std::move(events);
      readied = Loop::Clock::now();
      loop.stop();
    });
    testsupport::run_bounded(loop);
  }
};

}  // namespace

TEST_CASE("McpSession::request_held: a response alone is the whole stream, priming event first", "[mcp][held]") {
  HeldFixture f(10s);
  f.call("fast");
  REQUIRE(f.ready);
  REQUIRE(*f.ready);
  CHECK(**f.ready ==
        "id: 1-0\ndata: \n\n"
        "id: 1-1\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"ok\":true}}\n\n");
}

TEST_CASE("McpSession::request_held: a message before the response opens the stream at once", "[mcp][held]") {
  HeldFixture f(10s);
  f.call("chatty");
  REQUIRE(f.ready);
  CHECK_FALSE(*f.ready);
  CHECK(f.readied - f.sent < 5s);  // not after hold_head
}

TEST_CASE("McpSession::request_held: a child slower than hold_head gets its stream opened", "[mcp][held]") {
  HeldFixture f(20ms);
  f.call("slow");
  REQUIRE(f.ready);
  CHECK_FALSE(*f.ready);
  CHECK(f.readied - f.sent < 250ms);  // before the child's answer
}
