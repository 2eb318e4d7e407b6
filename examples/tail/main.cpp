// `tail -f` as a stream: every line of FILE, then each line appended to it, on /tail. A client gets the lines
// published after it connected; one that sends Last-Event-ID: 0 (ssetool listen --last-event-id 0) gets a `gap`
// event (id 0 was never sent), then every line still in the history, then the new ones.
//   ./tail FILE [LISTEN [PORT_FILE]]    then: ssetool listen http://127.0.0.1:8080/tail
#include <ssetool/ssetool.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

// Publishes FILE's lines as they appear until `stop`, looking for more every 100 ms at the end of the file.
void follow(const std::string& path, ssetool::Feed& feed, const std::atomic<bool>& stop) {
  std::ifstream file(path);
  std::string line, partial;
  while (!stop) {
    if (std::getline(file, line)) {
      if (file.eof()) {  // the last line is not finished yet: keep it for the next read
        partial += line;
      } else {
        feed.publish(partial + line);
        partial.clear();
        continue;
      }
    }
    file.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: tail FILE [LISTEN [PORT_FILE]]\n";
    return 2;
  }
  if (!std::ifstream(argv[1])) {
    std::cerr << "tail: cannot read " << argv[1] << '\n';
    return 1;
  }
  ssetool::App app({.listen = argc > 2 ? argv[2] : "127.0.0.1:8080",
                    .port_file = argc > 3 ? argv[3] : "",
                    .log = [](const std::string& line) { std::cerr << line << '\n'; }});
  ssetool::Feed& feed = app.broadcast("/tail", {.history = 10000});
  std::atomic<bool> stop{false};
  std::thread reader([&] { follow(argv[1], feed, stop); });
  int status = app.run();
  stop = true;
  reader.join();
  return status;
}
