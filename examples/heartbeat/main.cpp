// A heartbeat event every 10 ms on /heartbeat while the handler waits between its own events.
//   ./heartbeat [LISTEN [PORT_FILE]]    then: ssetool listen http://127.0.0.1:8080/heartbeat -o json
#include <ssetool/ssetool.hpp>

#include <chrono>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  ssetool::App app({.listen = argc > 1 ? argv[1] : "127.0.0.1:8080",
                    .port_file = argc > 2 ? argv[2] : "",
                    .log = [](const std::string& line) { std::cerr << line << '\n'; }});
  app.sse("/heartbeat", {.heartbeat = {.period = 10ms, .event = ssetool::Event{.data = "heartbeat"}}},
          [](ssetool::SseSession& s) -> ssetool::Task {
            for (int i = 0; i < 4; ++i) {
              co_await s.send("hello", "Hello " + std::to_string(i));  // event type "hello"
              co_await s.sleep(100ms);
            }
          });
  return app.run();
}
