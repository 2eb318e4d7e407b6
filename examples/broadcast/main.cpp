// A broadcast on /feed fed by a thread of the application: every client gets every tick, numbered, and a client
// that reconnects with Last-Event-ID resumes from the history.
//   ./broadcast [LISTEN [PORT_FILE]]    then: ssetool listen http://127.0.0.1:8080/feed
#include <ssetool/ssetool.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  // The App first: it blocks SIGINT and SIGTERM for the threads started after it, so that run() receives them.
  ssetool::App app({.listen = argc > 1 ? argv[1] : "127.0.0.1:8080",
                    .port_file = argc > 2 ? argv[2] : "",
                    .log = [](const std::string& line) { std::cerr << line << '\n'; }});
  ssetool::Feed& feed = app.broadcast("/feed", {.history = 1000});
  std::thread producer([&feed] {
    for (int i = 0; feed.publish("tick " + std::to_string(i)); ++i)  // false once the App has shut down
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  });
  int status = app.run();
  producer.join();
  return status;
}
