// The children of MCP's stateless revision (see mcp/stateless_pool.hpp).
#include "ssetool/mcp/stateless_pool.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/message.hpp"

namespace ssetool {
namespace {

using Json = nlohmann::ordered_json;

// What ssetool says to a child it initialises: the newest stateful revision, no capabilities (no client behind
// the bridge can answer sampling, elicitation or roots), itself as the client.
constexpr const char* kInitialize =
    R"J({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)J"
    R"J("capabilities":{},"clientInfo":{"name":"ssetool serve --mcp (stateless pool)","version":"1"}}})J";
constexpr const char* kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

}  // namespace

StatelessPool::StatelessPool(StatelessPoolOptions options, Spawn spawn, std::function<void()> child_done)
    : options_(options), spawn_(std::move(spawn)), child_done_(std::move(child_done)) {}

StatelessPool::~StatelessPool() { *gone_ = true; }

std::optional<StatelessPool::Place> StatelessPool::reserve(std::string& why) {
  if (ending_) {
    why = "the server is stopping";
    return std::nullopt;
  }
  auto least = std::min_element(members_.begin(), members_.end(),
                                [](const auto& a, const auto& b) { return a->load() < b->load(); });
  bool room = least != members_.end() && (*least)->load() < options_.per_child;
  if ((!room || (*least)->load() > 0) && members_.size() < options_.children) {
    auto member = std::make_shared<Member>();
    McpSession::Hooks hooks;
    std::weak_ptr<Member> weak = member;
    hooks.ended = [this, weak, gone = gone_](const std::string& why) {
      if (auto m = weak.lock()) m->fail("the MCP server ended (" + why + ")");
      if (!*gone) ended(weak.lock().get());
    };
    auto number = std::make_shared<std::size_t>(0);
    hooks.done = [this, number, gone = gone_] {
      if (*gone) return;
      sessions_.erase(*number);
      if (child_done_) child_done_();
    };
    std::shared_ptr<McpSession> session;
    try {
      session = spawn_(std::move(hooks));
      member->session_ = session;
    } catch (const SystemError& e) {
      if (!room) {
        why = std::string("the MCP server could not be started: ") + e.what();
        return std::nullopt;
      }
      member = nullptr;
    }
    if (member) {
      *number = session->number();
      sessions_[*number] = session;
      members_.push_back(member);
      member->initialize(*session);
      if (!member->failed_) return Place{member, std::make_shared<Reservation>(member->load_)};
    }
    least = std::min_element(members_.begin(), members_.end(),
                             [](const auto& a, const auto& b) { return a->load() < b->load(); });
    room = least != members_.end() && (*least)->load() < options_.per_child;
  }
  if (!room) {
    why = "every child of the stateless pool is busy (" + std::to_string(options_.children) + " x " +
          std::to_string(options_.per_child) + " requests)";
    return std::nullopt;
  }
  return Place{*least, std::make_shared<Reservation>((*least)->load_)};
}

void StatelessPool::end_all(const std::string& why) {
  ending_ = true;
  auto members = members_;
  for (auto& member : members)
    if (auto session = member->session_.lock()) session->end(why);
}

void StatelessPool::ended(const Member* member) {
  members_.erase(std::remove_if(members_.begin(), members_.end(),
                                [member](const auto& m) { return m.get() == member; }),
                 members_.end());
}

// ---- Member ----

void StatelessPool::Member::initialize(McpSession& session) {
  session.set_pooled();
  session.start();
  std::weak_ptr<Member> weak = weak_from_this();
  session.request_for_json(classify_message(kInitialize), [weak](std::string line) {
    if (auto self = weak.lock()) self->on_initialized(line);
  });
}

void StatelessPool::Member::on_initialized(const std::string& line) {
  auto session = session_.lock();
  if (!session) return fail("the MCP server is gone");
  Json j = Json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("result") || !j["result"].is_object()) {
    std::string why = "the MCP server did not initialise";
    if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("message"))
      why += ": " + j["error"]["message"].dump();
    fail(why);
    session->end("initialize failed");
    return;
  }
  initialize_result_ = j["result"].dump();
  session->to_child(classify_message(kInitialized));
  ready_ = true;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& fn : waiting) fn(session.get(), nullptr);
}

void StatelessPool::Member::when_ready(Ready fn) {
  if (!failed_ && ready_ && session_.expired()) fail("the MCP server is gone");
  if (failed_) fn(nullptr, &*failed_);
  else if (ready_) fn(session_.lock().get(), nullptr);
  else waiting_.push_back(std::move(fn));
}

void StatelessPool::Member::fail(const std::string& why) {
  if (failed_) return;
  failed_ = why;
  ready_ = false;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& fn : waiting) fn(nullptr, &why);
}

}  // namespace ssetool
