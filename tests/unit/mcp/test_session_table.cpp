// Unit tests of SessionTable (mcp/session_table.hpp) across two stream loops, each on a thread of its own: sessions
// added on their loops are found from another thread with their loop; each loop's sweep ends its own idle
// sessions, whose release leaves the table empty; a closed table takes no more sessions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>

#include "ssetool/loop/loop_thread.hpp"
#include "ssetool/mcp/session_table.hpp"
#include "python_child.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

constexpr const char* kQuietChild = "import sys\nfor line in sys.stdin: pass\n";

// Two loops, a table over them, and one session per loop whose hooks forget and release it as McpServer's do.
struct TwoLoops {
  LoopThread a, b;
  ProcessSlots slots{4};
  SessionTable table{a.loop(), 20ms};
  std::promise<void> a_done, b_done;

  ~TwoLoops() {  // the loops stop before the table goes (their sweep timers name it)
    a.stop_and_join();
    b.stop_and_join();
  }

  // On `loop`: a session with a quiet child, added as `id`; false when the table refused it.
  bool add(Loop& loop, const std::string& id, std::size_t number, std::promise<void>& done) {
    std::promise<bool> added;
    loop.post([&] {
      McpSession::Hooks hooks{.ended = [this, id](const std::string&) { table.forget(id); },
                              .done = [this, number, &done] {
                                table.release(number);
                                done.set_value();
                              }};
      McpSessionOptions options;
      options.kill_grace = 1s;
      auto session = std::make_shared<McpSession>(loop, Process::spawn(testsupport::python_child(kQuietChild)),
                                                  std::move(*slots.try_acquire()), number, std::string(), options,
                                                  std::move(hooks));
      bool ok = table.add(id, session, loop);
      if (ok) session->start();
      added.set_value(ok);
    });
    return added.get_future().get();
  }
};

}  // namespace

TEST_CASE("SessionTable: found from any thread with its loop, swept and released on its own loop",
          "[mcp][concurrency]") {
  TwoLoops t;
  REQUIRE(t.add(t.a.loop(), "on-a", 1, t.a_done));
  REQUIRE(t.add(t.b.loop(), "on-b", 2, t.b_done));

  SessionTable::Ref ref;
  REQUIRE(t.table.find("on-a", ref));
  CHECK(ref.loop == &t.a.loop());
  REQUIRE(t.table.find("on-b", ref));
  CHECK(ref.loop == &t.b.loop());
  CHECK_FALSE(t.table.find("other", ref));
  CHECK(t.table.open() == 2);
  CHECK(t.table.alive() == 2);
  CHECK(t.table.all().size() == 2);
  auto loops = t.table.loops();
  CHECK(loops.size() == 2);
  CHECK(std::count(loops.begin(), loops.end(), &t.b.loop()) == 1);

  // Each loop sweeps its own: both sessions are idle (no request, no stream) past 20 ms.
  t.a.loop().post([&] { t.table.start_sweeping(t.a.loop()); });
  t.b.loop().post([&] { t.table.start_sweeping(t.b.loop()); });
  auto a_done = t.a_done.get_future();
  auto b_done = t.b_done.get_future();
  REQUIRE(a_done.wait_for(10s) == std::future_status::ready);
  REQUIRE(b_done.wait_for(10s) == std::future_status::ready);
  CHECK(t.table.open() == 0);
  CHECK(t.table.alive() == 0);
  CHECK_FALSE(t.table.find("on-a", ref));

  // Closed (shutdown is over): a session made now is refused, and dropped by its maker.
  t.table.close();
  std::promise<void> never;
  CHECK_FALSE(t.add(t.b.loop(), "late", 3, never));
  CHECK(t.table.alive() == 0);
}
