// Six events a second apart on /events, then the stream ends (Ktor's first SSE example).
//   ./events [LISTEN [PORT_FILE]]       then: ssetool listen http://127.0.0.1:8080/events
#include <ssetool/ssetool.hpp>

#include <chrono>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  ssetool::App app({.listen = argc > 1 ? argv[1] : "127.0.0.1:8080",
                    .port_file = argc > 2 ? argv[2] : "",
                    .log = [](const std::string& line) { std::cerr << line << '\n'; }});
  app.sse("/events", [](ssetool::SseSession& s) -> ssetool::Task {
    for (int i = 0; i < 6; ++i) {
      co_await s.send("this is SSE #" + std::to_string(i));
      co_await s.sleep(std::chrono::seconds(1));
    }
  });  // returning ends the stream cleanly
  return app.run();  // until Ctrl-C
}
