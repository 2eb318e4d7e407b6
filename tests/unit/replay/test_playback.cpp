// Unit tests for replay playback on a real Loop and Session over a socket pair: order and recorded gaps, speed,
// interval, loop ids, resume, drop and stall faults, chunking (seen as the HTTP chunks the session writes) and
// recorded bytes. Timing checks are lower bounds (a timer never fires early) or generous upper bounds for speed 0.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/replay/playback.hpp"
#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/wire/parser.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

// The HTTP chunks of a chunked body, and whether the final zero-length chunk came.
struct Chunks {
  std::vector<std::string> pieces;
  bool final = false;
};

Chunks decode_chunks(std::string_view wire) {
  Chunks out;
  while (!wire.empty()) {
    std::size_t eol = wire.find("\r\n");
    REQUIRE(eol != std::string_view::npos);
    std::size_t size = std::stoul(std::string(wire.substr(0, eol)), nullptr, 16);
    wire.remove_prefix(eol + 2);
    if (size == 0) {
      out.final = true;
      break;
    }
    REQUIRE(wire.size() >= size + 2);
    out.pieces.emplace_back(wire.substr(0, size));
    wire.remove_prefix(size + 2);
  }
  return out;
}

std::vector<ParsedEvent> parse_events(const Chunks& chunks) {
  std::vector<ParsedEvent> events;
  Parser parser({[&](ParsedEvent&& e) { events.push_back(std::move(e)); }, {}, {}});
  for (const auto& piece : chunks.pieces) parser.feed(piece);
  return events;
}

std::vector<std::string> data_of(const std::vector<ParsedEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.data);
  return out;
}

std::vector<std::string> ids_of(const std::vector<ParsedEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.last_event_id);
  return out;
}

// A session on a socket pair, played on the test's thread until the playback ends (bounded by a watchdog).
struct Harness {
  Loop loop;
  int client = -1;
  std::shared_ptr<Session> session;
  std::optional<PlaybackResult> result;
  std::string wire;
  std::chrono::microseconds elapsed{0};

  Harness() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    client = fds[0];
    session = std::make_shared<Session>(loop, std::make_unique<Transport>(fds[1]), Request{}, 1, 4 << 20);
    session->start();
  }
  ~Harness() { ::close(client); }

  // Plays `text` (SSE text or a tape). With `hang_up_after`, the client reads what came and hangs up then.
  void play(const std::string& text, PlaybackSettings settings, std::optional<std::string> resume = {},
            std::optional<std::chrono::milliseconds> hang_up_after = {}) {
    auto recording = parse_recording(text, "test");
    auto start = Loop::Clock::now();
    Playback::start(*session, recording, recording->responses[0], settings, resume, 7,
                    [this, start](const PlaybackResult& r) {
                      result = r;
                      elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Loop::Clock::now() - start);
                      loop.stop();
                    });
    if (hang_up_after) {
      loop.add_timer(*hang_up_after, [this] {
        drain();
        ::shutdown(client, SHUT_RDWR);
      });
    }
    loop.add_timer(10s, [this] { loop.stop(); });  // a watchdog: no test waits for ever
    loop.run();
    drain();
  }

  void drain() {
    fcntl(client, F_SETFL, O_NONBLOCK);
    char buf[65536];
    ssize_t n;
    while ((n = ::read(client, buf, sizeof buf)) > 0) wire.append(buf, static_cast<std::size_t>(n));
  }

  Chunks chunks() const { return decode_chunks(wire); }
  std::vector<ParsedEvent> events() const { return parse_events(chunks()); }
};

const std::string kTimedTape =
    "{\"tape\":1}\n"
    "{\"t\":0,\"data\":\"a\",\"id\":\"1\"}\n"
    "{\"t\":150,\"data\":\"b\",\"id\":\"2\"}\n"
    "{\"t\":300,\"data\":\"c\",\"id\":\"3\"}\n";

const std::string kThreeEvents = "id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n";

PlaybackSettings fast() {
  PlaybackSettings s;
  s.speed = 0;
  return s;
}

}  // namespace

TEST_CASE("playback: items in order at their recorded times, then a clean end", "[replay][playback]") {
  Harness h;
  h.play(kTimedTape, PlaybackSettings{});
  REQUIRE(h.result);
  CHECK(h.result->end == PlaybackEnd::complete);
  CHECK(h.result->events_sent == 3);
  CHECK(data_of(h.events()) == std::vector<std::string>{"a", "b", "c"});
  CHECK(h.chunks().final);
  CHECK(h.elapsed >= 300ms);  // the last event was recorded 300 ms in; a timer never fires early
}

TEST_CASE("playback: --speed scales the recorded gaps, 0 sends without waiting", "[replay][playback]") {
  const std::string tape = "{\"tape\":1}\n{\"t\":0,\"data\":\"a\"}\n{\"t\":400,\"data\":\"b\"}\n";
  Harness twice;
  PlaybackSettings s;
  s.speed = 2;
  twice.play(tape, s);
  REQUIRE(twice.result);
  CHECK(twice.elapsed >= 200ms);
  Harness instant;
  instant.play(tape, fast());
  REQUIRE(instant.result);
  CHECK(data_of(instant.events()) == std::vector<std::string>{"a", "b"});
  CHECK(instant.elapsed < 200ms);  // far below the 400 ms gap (generous for loaded machines)
}

TEST_CASE("playback: --interval paces untimed items, after --first-byte-delay", "[replay][playback]") {
  Harness h;
  PlaybackSettings s;
  s.interval = 50ms;
  s.first_byte_delay = 100ms;
  h.play(kThreeEvents, s);
  REQUIRE(h.result);
  CHECK(h.result->end == PlaybackEnd::complete);
  CHECK(h.elapsed >= 200ms);
}

TEST_CASE("playback: --loop starts again with numeric ids continuing upwards", "[replay][playback]") {
  Harness h;
  PlaybackSettings s = fast();
  s.loop = true;
  s.drop_after = 7;
  h.play(kThreeEvents, s);
  REQUIRE(h.result);
  CHECK(h.result->end == PlaybackEnd::dropped);
  auto events = h.events();
  CHECK(data_of(events) == std::vector<std::string>{"a", "b", "c", "a", "b", "c", "a"});
  CHECK(ids_of(events) == std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7"});
}

TEST_CASE("playback: --loop gives text ids the pass number", "[replay][playback]") {
  Harness h;
  PlaybackSettings s = fast();
  s.loop = true;
  s.drop_after = 3;
  h.play("id: x\ndata: a\n\n", s);
  CHECK(ids_of(h.events()) == std::vector<std::string>{"x", "x-2", "x-3"});
}

TEST_CASE("playback: Last-Event-ID continues after that event", "[replay][playback]") {
  Harness h;
  h.play(kThreeEvents, fast(), "2");
  REQUIRE(h.result);
  CHECK(data_of(h.events()) == std::vector<std::string>{"c"});
  CHECK(h.result->resumed_after == "2");
  CHECK(h.result->events_sent == 1);
}

TEST_CASE("playback: with --loop a later pass's id resumes in that pass", "[replay][playback]") {
  Harness h;
  PlaybackSettings s = fast();
  s.loop = true;
  s.drop_after = 2;
  h.play(kThreeEvents, s, "5");
  auto events = h.events();
  CHECK(data_of(events) == std::vector<std::string>{"c", "a"});
  CHECK(ids_of(events) == std::vector<std::string>{"6", "7"});
}

TEST_CASE("playback: an unknown Last-Event-ID plays from the beginning", "[replay][playback]") {
  Harness h;
  h.play(kThreeEvents, fast(), "nope");
  REQUIRE(h.result);
  CHECK(h.result->resume_unknown);
  CHECK_FALSE(h.result->resumed_after);
  CHECK(data_of(h.events()) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("playback: --drop-after N cuts the connection after N events, without the final chunk", "[replay][playback]") {
  for (std::uint64_t n : {0u, 2u}) {
    Harness h;
    PlaybackSettings s = fast();
    s.drop_after = n;
    h.play(kThreeEvents, s);
    REQUIRE(h.result);
    CHECK(h.result->end == PlaybackEnd::dropped);
    CHECK(h.result->events_sent == n);
    CHECK(h.events().size() == n);
    CHECK_FALSE(h.chunks().final);
  }
}

TEST_CASE("playback: --stall-after N sends N events and then nothing while the connection stays", "[replay][playback]") {
  Harness h;
  PlaybackSettings s;
  s.interval = 10ms;
  s.stall_after = 1;
  h.play(kThreeEvents, s, {}, 200ms);  // the recording would be over after 20 ms
  REQUIRE(h.result);
  CHECK(h.result->end == PlaybackEnd::stalled);
  CHECK(data_of(h.events()) == std::vector<std::string>{"a"});
  CHECK_FALSE(h.chunks().final);
}

TEST_CASE("playback: --chunking byte writes each byte on its own, line each line", "[replay][playback]") {
  Harness bytes;
  PlaybackSettings s = fast();
  s.chunking = Chunking::byte;
  bytes.play("event: x\ndata: a\n\n", s);
  auto chunks = bytes.chunks();
  CHECK(chunks.final);
  CHECK(chunks.pieces.size() == std::string("event: x\ndata: a\n\n").size());
  for (const auto& piece : chunks.pieces) CHECK(piece.size() == 1);
  REQUIRE(bytes.events().size() == 1);
  CHECK(bytes.events()[0].type == "x");

  Harness lines;
  s.chunking = Chunking::line;
  lines.play("event: x\ndata: a\n\n", s);
  CHECK(lines.chunks().pieces == std::vector<std::string>{"event: x\n", "data: a\n", "\n"});
}

TEST_CASE("playback: recorded bytes go out read by read, a drop cuts between events", "[replay][playback]") {
  const std::string tape =
      "{\"tape\":1}\n{\"t\":0,\"bytes\":\"data: a\\n\\nda\"}\n{\"t\":20,\"bytes\":\"ta: b\\n\\n\"}\n"
      "{\"t\":30,\"end\":\"dropped\"}\n";
  Harness whole;
  whole.play(tape, PlaybackSettings{});  // at recorded speed: two reads 20 ms apart
  REQUIRE(whole.result);
  CHECK(whole.chunks().pieces == std::vector<std::string>{"data: a\n\nda", "ta: b\n\n"});
  CHECK(whole.result->end == PlaybackEnd::dropped);  // as recorded
  CHECK_FALSE(whole.chunks().final);

  Harness cut;
  PlaybackSettings s = fast();
  s.drop_after = 1;
  cut.play(tape, s);
  CHECK(cut.chunks().pieces == std::vector<std::string>{"data: a\n\n"});
}

TEST_CASE("playback: a client that hangs up ends the playback", "[replay][playback]") {
  Harness h;
  PlaybackSettings s;
  s.interval = 1s;
  h.play(kThreeEvents, s, {}, 50ms);
  REQUIRE(h.result);
  CHECK(h.result->end == PlaybackEnd::client_gone);
  CHECK(h.result->events_sent == 1);
}

TEST_CASE("playback: a client that falls behind pauses playback until it has drained, and is not dropped",
          "[replay][playback]") {
  Harness h;  // the session's limit (4 MiB) is far above kBackpressureBytes
  std::string big(4000, 'p');
  auto recording = parse_recording("data: " + big + "\n\ndata: " + big + "\n\n", "test");
  PlaybackSettings s = fast();
  s.loop = true;  // at speed 0, without end: only back-pressure keeps it from flooding the client
  bool done = false;
  Playback::start(*h.session, recording, recording->responses[0], s, {}, 7, [&](const PlaybackResult&) {
    done = true;
    h.loop.stop();
  });
  // The client reads nothing until the session's queue has reached kBackpressureBytes and stayed there a while.
  std::size_t paused_at = 0, still_at = 0, received = 0;
  std::function<void()> watch_queue = [&] {
    if (h.session->queued_bytes() < kBackpressureBytes) {
      h.loop.add_timer(2ms, watch_queue);
      return;
    }
    paused_at = h.session->queued_bytes();
    h.loop.add_timer(50ms, [&] {
      still_at = h.session->queued_bytes();
      fcntl(h.client, F_SETFL, O_NONBLOCK);
      h.loop.watch(h.client, EPOLLIN, [&](std::uint32_t) {
        char buf[65536];
        ssize_t n;
        while ((n = ::read(h.client, buf, sizeof buf)) > 0) received += static_cast<std::size_t>(n);
        if (received > (4 << 20)) h.loop.stop();  // more than was ever queued: playback went on
      });
    });
  };
  h.loop.add_timer(2ms, watch_queue);
  auto watchdog = h.loop.add_timer(10s, [&] { h.loop.stop(); });
  h.loop.run();
  h.loop.cancel_timer(watchdog);
  h.loop.unwatch(h.client);
  CHECK(paused_at < kBackpressureBytes + 4096);  // at most one event over: then it waited
  CHECK(still_at == paused_at);
  CHECK(received > (4 << 20));
  CHECK_FALSE(done);  // never dropped as slow, still playing
  CHECK(h.session->is_open());
}
