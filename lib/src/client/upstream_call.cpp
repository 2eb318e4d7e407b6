// One streamed HTTP exchange with an upstream (see client/upstream_call.hpp), over the client part's bounded
// httplib clients (head_bounded_http.hpp).
#include "ssetool/client/upstream_call.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <exception>
#include <utility>

#include "head_bounded_http.hpp"

namespace ssetool {
namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(30);

// Why no response (or no whole response) came, in one line.
std::string describe_failure(HeadBoundedHttp& http, const Url& url, httplib::Error error, bool responded) {
  const ConnectFailure& failure = http.connect_failure();
  if (failure.stage == ConnectFailure::Stage::resolve || failure.stage == ConnectFailure::Stage::connect)
    return failure.message;
  const std::string where = host_port(url.host, url.port);
  if (http.head_exceeded()) return fmt::format("{}: response head larger than {} bytes", where, http.budget().limit());
  if (error == httplib::Error::SSLServerVerification) {
    std::string why = http.tls_verify_error();
    return fmt::format("TLS certificate of {} does not verify{}{}", where, why.empty() ? "" : ": ", why);
  }
  if (error == httplib::Error::SSLConnection) return fmt::format("TLS handshake with {} failed", where);
  if (error == httplib::Error::Read)
    return fmt::format("{}: connection lost {}", where, responded ? "during the body" : "before the response head");
  return fmt::format("{}: {}", where, httplib::to_string(error));
}

}  // namespace

UpstreamCall::UpstreamCall(Url upstream, UpstreamOptions options)
    : upstream_(std::move(upstream)), options_(options) {}

UpstreamCall::~UpstreamCall() = default;

UpstreamResult UpstreamCall::run(const UpstreamRequest& request, const UpstreamCallbacks& callbacks) {
  std::shared_ptr<HeadBoundedHttp> http = make_head_bounded_client(
      upstream_, {.head_limit = options_.max_response_head,
                  .connect_timeout = options_.connect_timeout,
                  .read_timeout = options_.read_timeout,
                  .write_timeout = kWriteTimeout,
                  .stopping = [this] { return stopping_.load(); }});
  httplib::ClientImpl& client = http->client();
  client.set_connection_timeout(options_.connect_timeout);
  client.set_read_timeout(options_.read_timeout);
  client.set_write_timeout(kWriteTimeout);
  client.set_keep_alive(false);
  client.set_follow_location(false);
  client.set_url_encode(false);
  client.enable_server_certificate_verification(true);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return {false, false, "stopped"};
    http_ = http;
  }

  httplib::Request out;
  out.method = request.method;
  out.path = request.target;
  for (const auto& [name, value] : request.headers) out.headers.emplace(name, value);
  out.body = request.body;

  UpstreamResult result;
  std::exception_ptr error_in_callback;
  bool stopped_by_callback = false;
  out.response_handler = [&](const httplib::Response& res) {
    http->end_head();
    result.responded = true;
    UpstreamHead head{res.status, res.reason, {}};
    for (const auto& [name, value] : res.headers) head.headers.emplace_back(name, value);
    try {
      if (callbacks.on_head(head)) return !stopping_.load();
    } catch (...) {
      error_in_callback = std::current_exception();
    }
    stopped_by_callback = true;
    return false;
  };
  out.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    try {
      if (callbacks.on_body(std::string_view(data, size))) return !stopping_.load();
    } catch (...) {
      error_in_callback = std::current_exception();
    }
    stopped_by_callback = true;
    return false;
  };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool ok = client.send(out, response, error);
  {
    std::lock_guard lock(mutex_);
    http_.reset();
  }
  if (error_in_callback) std::rethrow_exception(error_in_callback);
  if (ok && !result.responded) {  // httplib calls no response handler for a response without a body (204, 304)
    result.responded = true;
    UpstreamHead head{response.status, response.reason, {}};
    for (const auto& [name, value] : response.headers) head.headers.emplace_back(name, value);
    callbacks.on_head(head);
  }
  result.complete = ok && !stopping_.load() && !stopped_by_callback;
  if (!ok && !stopped_by_callback && !stopping_.load())
    result.error = describe_failure(*http, upstream_, error, result.responded);
  if (stopping_.load() && !result.complete) result.error = "stopped";
  return result;
}

void UpstreamCall::stop() {
  stopping_ = true;
  std::shared_ptr<HeadBoundedHttp> http;
  {
    std::lock_guard lock(mutex_);
    http = http_;
  }
  if (http) http->client().stop();
}

}  // namespace ssetool
