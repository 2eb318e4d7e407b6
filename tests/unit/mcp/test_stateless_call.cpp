// Unit tests of the stateless revision's id remapping (mcp/stateless_call.hpp): what a pool child gets, what the
// client gets back, and the bridge's own answers to server/discover and (--stateless) initialize.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ssetool/mcp/stateless_call.hpp"

using namespace ssetool;
using Json = nlohmann::json;

TEST_CASE("stateless call: the child sees the bridge's id and token, the client its own", "[mcp][stateless]") {
  auto request = classify_message(R"({"jsonrpc":"2.0","id":"c-1","method":"tools/call","params":{"name":"count",)"
                                  R"("_meta":{"progressToken":7,"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
  CHECK(request.meta_version == "2026-07-28");
  StatelessCall call(request, 42);
  Json forwarded = Json::parse(call.forwarded().line);
  CHECK(forwarded["id"] == 42);
  CHECK(forwarded["params"]["_meta"]["progressToken"] == "ssetool-42");
  CHECK(forwarded["params"]["name"] == "count");
  CHECK(call.forwarded().id == "42");
  CHECK(call.forwarded().progress_token == "\"ssetool-42\"");

  Json progress = Json::parse(call.restore(
      R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"ssetool-42","progress":1}})"));
  CHECK(progress["params"]["progressToken"] == 7);
  CHECK(progress["params"]["progress"] == 1);

  Json answer = Json::parse(call.restore(R"({"jsonrpc":"2.0","id":42,"result":{"content":[]}})"));
  CHECK(answer["id"] == "c-1");
  CHECK(answer["result"]["resultType"] == "complete");
  CHECK_FALSE(answer["result"].contains("ttlMs"));  // tools/call is not cacheable
}

TEST_CASE("stateless call: another client's token is left alone, errors keep their id", "[mcp][stateless]") {
  StatelessCall call(classify_message(R"({"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"x://y"}})"), 9);
  CHECK_FALSE(call.forwarded().progress_token);
  Json other = Json::parse(call.restore(
      R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"ssetool-8"}})"));
  CHECK(other["params"]["progressToken"] == "ssetool-8");

  Json error = Json::parse(call.restore(R"({"jsonrpc":"2.0","id":9,"error":{"code":-32002,"message":"no such"}})"));
  CHECK(error["id"] == 3);
  CHECK(error["error"]["code"] == -32602);  // the 2026-07-28 code for an unknown resource
  CHECK(call.restore("not json") == "not json");
}

TEST_CASE("stateless call: cacheable results get ttlMs 0 and cacheScope private unless the child says", "[mcp][stateless]") {
  StatelessCall list(classify_message(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"), 1);
  Json filled = Json::parse(list.restore(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})"));
  CHECK(filled["result"]["ttlMs"] == 0);
  CHECK(filled["result"]["cacheScope"] == "private");
  Json kept = Json::parse(
      list.restore(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[],"ttlMs":500,"cacheScope":"public","resultType":"complete"}})"));
  CHECK(kept["result"]["ttlMs"] == 500);
  CHECK(kept["result"]["cacheScope"] == "public");
}

TEST_CASE("stateless call: server/discover is answered from the child's initialize result", "[mcp][stateless]") {
  std::string init = R"({"protocolVersion":"2025-11-25","capabilities":{"tools":{},"tasks":{}},)"
                     R"("serverInfo":{"name":"child","version":"1"},"instructions":"be nice"})";
  Json d = Json::parse(discover_result("\"d\"", init));
  CHECK(d["id"] == "d");
  CHECK(d["result"]["resultType"] == "complete");
  CHECK(d["result"]["supportedVersions"] == Json::array({"2026-07-28"}));
  CHECK(d["result"]["capabilities"].contains("tools"));
  CHECK_FALSE(d["result"]["capabilities"].contains("tasks"));
  CHECK(d["result"]["instructions"] == "be nice");
  CHECK(d["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "child");
  CHECK(d["result"]["ttlMs"] == 0);

  Json i = Json::parse(stateless_initialize_result("1", init, std::string("2025-06-18")));
  CHECK(i["result"]["protocolVersion"] == "2025-06-18");
  CHECK(Json::parse(stateless_initialize_result("1", init, std::nullopt))["result"]["protocolVersion"] == "2025-11-25");
}

TEST_CASE("stateless call: the 2026-07-28 envelope of a message is read", "[mcp][stateless]") {
  auto full = classify_message(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)"
                               R"("io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                               R"("io.modelcontextprotocol/clientCapabilities":{}}}})");
  CHECK(full.meta_versioned);
  CHECK(full.meta_version == "2026-07-28");
  CHECK(full.meta_capabilities);
  auto odd = classify_message(
      R"({"jsonrpc":"2.0","method":"notifications/x","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":7}}})");
  CHECK(odd.meta_versioned);  // there, but not a string: a message of the revision, refused by the gate
  CHECK_FALSE(odd.meta_version);
  CHECK_FALSE(odd.meta_capabilities);
  auto old = classify_message(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"progressToken":1}}})");
  CHECK_FALSE(old.meta_versioned);
  CHECK_FALSE(old.meta_capabilities);
}
