// McpServer's old HTTP+SSE transport (MCP 2024-11-05): GET of the SSE path starts a session whose one stream it
// is; POSTs of the message path go to its child (see mcp/mcp_server.hpp).
#include "ssetool/mcp/mcp_server.hpp"

#include "mcp_replies.hpp"

namespace ssetool {

using namespace mcp_replies;

// GET of the old transport's SSE path: a new session whose one stream this is; its first event, `endpoint`, names
// the URL to POST messages to (the message path with ?sessionId=).
Reply McpServer::legacy_stream(const Request& req, std::size_t endpoint) {
  if (!accepts(req, "text/event-stream")) return refusal(406, "Accept must include text/event-stream");
  Reply refused;
  auto created = new_session(req, endpoint, "2024-11-05", refused);
  if (!created) return refused;
  std::string url = folder_of(endpoints_[endpoint].path) + "message?sessionId=" + created->id;
  return Reply::deferred([this, created = std::move(*created), url](Answer answer) {
    run_on(*created.loop, [this, open = created.open, url, back = answer_from(*created.loop, std::move(answer))] {
      back(guarded([&] {
        std::weak_ptr<McpSession> weak = open();
        return Reply::stream([weak, url](Session& connection) {
          if (auto s = weak.lock()) s->open_legacy(connection, url);
          else connection.end();
        });
      }));
    });
  });
}

// POST of the old transport's message path: the message goes to the session's child; whatever answers it comes
// on the session's stream.
Reply McpServer::legacy_post(const Request& req, std::size_t endpoint) {
  JsonRpcMessage message;
  if (auto refused = read_message(req, message)) return std::move(*refused);
  auto id = req.param("sessionId");
  if (!id) return refusal(400, "missing sessionId: use the URL of the SSE stream's endpoint event");
  return at_session(req, *id, true, endpoint, [message](const std::shared_ptr<McpSession>& session, Answer answer) {
    if (!session->to_child(message)) return answer(busy("the MCP server is not reading its input"));
    answer(Reply::text(202, "Accepted\n"));
  });
}

}  // namespace ssetool
