// One request of MCP's stateless revision (2026-07-28) as `serve --mcp` forwards it to a child of its pool (see
// stateless_pool.hpp). The child is an older, stateful stdio server that ssetool initialised itself and that
// serves many clients' requests at once, so:
//  - the request goes to the child under an id of the bridge's own (unique among that child's requests), and a
//    progress token it carries is replaced by one of the bridge's own ("ssetool-ID");
//  - what the child sends for it comes back with the client's id and token, and a result is given what the
//    2026-07-28 revision requires of it: "resultType": "complete", and for the cacheable methods (tools/list,
//    prompts/list, resources/list, resources/templates/list, resources/read) "ttlMs": 0 and "cacheScope":
//    "private" when the child did not say (the bridge cannot know how long a result holds); the error code
//    -32002 (resource not found) becomes -32602, as the revision says.
// `server/discover` is answered from the child's initialize result (discover_result).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ssetool/mcp/message.hpp"

namespace ssetool {

// The protocol revision served statelessly.
inline constexpr const char* kStatelessVersion = "2026-07-28";

class StatelessCall {
 public:
  // `request`: the client's request (kind request); `bridge_id`: the id the child sees.
  StatelessCall(const JsonRpcMessage& request, std::uint64_t bridge_id);

  // The request as the child gets it.
  const JsonRpcMessage& forwarded() const { return forwarded_; }
  const std::string& client_id() const { return client_id_; }

  // A line the child sent for this request (its response, or a notification routed to it), as the client gets it.
  // Lines that are not JSON objects are returned as they are.
  std::string restore(const std::string& child_line) const;

 private:
  std::string method_;
  std::string client_id_;                     // compact JSON
  std::optional<std::string> client_token_;   // compact JSON
  std::string bridge_token_;                  // compact JSON
  JsonRpcMessage forwarded_;
};

// The answer to `server/discover` (request id `id`, compact JSON) from the result of the initialize request ssetool
// sent the child (`initialize_result`, a JSON object as text): the revisions served, the child's capabilities
// (less "tasks", which the revision removed) and instructions, its serverInfo in _meta, not cacheable.
std::string discover_result(const std::string& id, const std::string& initialize_result);

// The answer to an `initialize` request of an older client served statelessly (--stateless): the child's
// initialize result with the client's protocolVersion when the bridge supports it (`client_version` supported),
// else the child's own.
std::string stateless_initialize_result(const std::string& id, const std::string& initialize_result,
                                        const std::optional<std::string>& client_version);

}  // namespace ssetool
