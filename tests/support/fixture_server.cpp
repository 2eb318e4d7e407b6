// testsupport::FixtureServer (see fixture_server.hpp): httplib::Server (or SSLServer) with one catch-all route
// for GET and POST, run by a thread; scripted delays wait on a condition variable so that stopping is immediate.
#include "fixture_server.hpp"

#include <httplib.h>

#include <stdexcept>

namespace testsupport {

// State shared by the test thread and httplib's worker threads; providers keep it alive through their copies.
struct FixtureServer::Shared {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<FixtureResponse> script;
  std::size_t next_response = 0;
  std::vector<RecordedRequest> requests;
  bool stopping = false;
  std::uint64_t release_generation = 0;  // bumped by release_held()

  // The response for the next request: the next one in the script, or the last one again.
  FixtureResponse take_response() {
    std::lock_guard lock(mutex);
    if (script.empty()) return FixtureResponse::plain(500, "text/plain", "FixtureServer: no response scripted\n");
    std::size_t index = std::min(next_response, script.size() - 1);
    ++next_response;
    return script[index];
  }

  // Waits `delay`; false when the server stops meanwhile.
  bool pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    return !changed.wait_for(lock, delay, [&] { return stopping; });
  }

  std::uint64_t generation() {
    std::lock_guard lock(mutex);
    return release_generation;
  }

  // Waits until the server stops or release_held() is called after `generation` was read.
  void hold(std::uint64_t generation) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return stopping || release_generation != generation; });
  }
};

namespace {

RecordedRequest record(const httplib::Request& req) {
  RecordedRequest recorded{req.method, req.path, req.target, {}, req.body, std::chrono::steady_clock::now()};
  for (const auto& [name, value] : req.headers) recorded.headers.emplace_back(name, value);
  return recorded;
}

// Streams `response.chunks`, then ends as scripted. Called by httplib until it returns false or calls done().
struct Playback {
  FixtureResponse response;
  std::size_t next_chunk = 0;
  std::shared_ptr<FixtureServer::Shared> shared;
  std::uint64_t generation = 0;  // release_held() calls from the start of the response on release it
};

}  // namespace

FixtureResponse FixtureResponse::stream(std::vector<FixtureChunk> chunks, Ending ending) {
  FixtureResponse response;
  response.chunks = std::move(chunks);
  response.ending = ending;
  return response;
}

FixtureResponse FixtureResponse::plain(int status, std::string content_type, std::string body) {
  FixtureResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.streamed = false;
  response.body = std::move(body);
  return response;
}

FixtureServer::FixtureServer() : server_(std::make_unique<httplib::Server>()), shared_(std::make_shared<Shared>()) {
  start();
}

FixtureServer::FixtureServer(const std::string& cert_path, const std::string& key_path)
    : server_(std::make_unique<httplib::SSLServer>(cert_path.c_str(), key_path.c_str())),
      shared_(std::make_shared<Shared>()),
      tls_(true) {
  if (!server_->is_valid()) throw std::runtime_error("FixtureServer: cannot load " + cert_path + " / " + key_path);
  start();
}

void FixtureServer::start() {
  std::shared_ptr<Shared> shared = shared_;
  auto handler = [shared](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(shared->mutex);
      shared->requests.push_back(record(req));
    }
    shared->changed.notify_all();
    FixtureResponse response = shared->take_response();
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name, value);
    if (!response.streamed) {
      if (response.status != 204) res.set_content(response.body, response.content_type);
      return;
    }
    auto playback = std::make_shared<Playback>(Playback{std::move(response), 0, shared, shared->generation()});
    std::string content_type = playback->response.content_type;
    res.set_chunked_content_provider(content_type, [playback](std::size_t, httplib::DataSink& sink) {
      const FixtureResponse& script = playback->response;
      if (playback->next_chunk < script.chunks.size()) {
        const FixtureChunk& chunk = script.chunks[playback->next_chunk++];
        if (!playback->shared->pause(chunk.delay)) {
          sink.done();
          return true;
        }
        return chunk.bytes.empty() || sink.write(chunk.bytes.data(), chunk.bytes.size());
      }
      if (script.ending == FixtureResponse::Ending::drop) return false;
      if (script.ending == FixtureResponse::Ending::hold) playback->shared->hold(playback->generation);
      sink.done();
      return true;
    });
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FixtureServer: cannot bind 127.0.0.1:0");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until listen has started: wait for it (there is no event to wait on).
  auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FixtureServer::~FixtureServer() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->changed.notify_all();
  server_->stop();
  thread_.join();
}

std::string FixtureServer::url(const std::string& path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

void FixtureServer::add(FixtureResponse response) {
  std::lock_guard lock(shared_->mutex);
  shared_->script.push_back(std::move(response));
}

void FixtureServer::release_held() {
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->release_generation;
  }
  shared_->changed.notify_all();
}

std::vector<RecordedRequest> FixtureServer::requests() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->requests;
}

bool FixtureServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  return shared_->changed.wait_for(lock, timeout, [&] { return shared_->requests.size() >= n; });
}

}  // namespace testsupport
