// Unit tests for JSON-RPC message classification (mcp/message.hpp) and the bridge's error responses.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/message.hpp"

using namespace ssetool;

TEST_CASE("mcp message: requests, notifications and responses are told apart", "[mcp]") {
  auto request = classify_message(R"({"jsonrpc":"2.0","id":7,"method":"tools/call",
      "params":{"name":"x","_meta":{"progressToken":"p1"}}})");
  CHECK(request.kind == JsonRpcMessage::Kind::request);
  CHECK(request.method == "tools/call");
  CHECK(request.id == "7");
  CHECK(request.progress_token == "\"p1\"");
  CHECK(request.line.find('\n') == std::string::npos);  // one line for the stdio transport

  auto note =
      classify_message(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p1"}})");
  CHECK(note.kind == JsonRpcMessage::Kind::notification);
  CHECK_FALSE(note.id);
  CHECK(note.progress_token == "\"p1\"");

  auto response = classify_message(R"({"jsonrpc":"2.0","id":"a","result":{}})");
  CHECK(response.kind == JsonRpcMessage::Kind::response);
  CHECK(response.id == "\"a\"");
}

TEST_CASE("mcp message: key order is kept and initialize's protocol version is read", "[mcp]") {
  auto m = classify_message(R"({"jsonrpc":"2.0","id":1,"method":"initialize",
      "params":{"protocolVersion":"2025-11-25","zeta":1,"alpha":2}})");
  CHECK(m.is_initialize());
  CHECK(m.protocol_version == "2025-11-25");
  CHECK(m.line == R"({"jsonrpc":"2.0","id":1,"method":"initialize",)"
                  R"("params":{"protocolVersion":"2025-11-25","zeta":1,"alpha":2}})");
}

TEST_CASE("mcp message: malformed messages and batches are refused with a reason", "[mcp]") {
  CHECK_THROWS_WITH(classify_message("{"), Catch::Contains("not JSON"));
  CHECK_THROWS_WITH(classify_message("[]"), Catch::Contains("batch"));
  CHECK_THROWS_WITH(classify_message("3"), Catch::Contains("JSON object"));
  CHECK_THROWS_WITH(classify_message(R"({"jsonrpc":"1.0","method":"x"})"), Catch::Contains("2.0"));
  CHECK_THROWS_WITH(classify_message(R"({"jsonrpc":"2.0","id":1})"), Catch::Contains("neither"));
  CHECK_THROWS_WITH(classify_message(R"({"jsonrpc":"2.0","id":{},"method":"x"})"), Catch::Contains("id"));
  CHECK_THROWS_WITH(classify_message(R"({"jsonrpc":"2.0","id":1,"method":""})"), Catch::Contains("non-empty"));
  // Found by fuzz/mcp_message: a response without id (or with a null one) cannot reach the request it answers.
  CHECK_THROWS_WITH(classify_message(R"({"jsonrpc":"2.0","result":{}})"), Catch::Contains("needs the id"));
  CHECK_THROWS_WITH(classify_message(R"({"jsonrpc":"2.0","id":null,"error":{}})"), Catch::Contains("needs the id"));
}

TEST_CASE("mcp message: a NUL byte is not JSON, even after a whole message (found by fuzz/mcp_message)", "[mcp]") {
  using namespace std::string_literals;
  CHECK_THROWS_WITH(classify_message("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}\0garbage"s),
                    Catch::Contains("NUL byte at offset 30"));
}

TEST_CASE("mcp message: a number out of range is refused, not thrown as a library error (fuzz)", "[mcp]") {
  CHECK_THROWS_AS(classify_message(R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"n":9.9E59999}})"),
                  ssetool::InvalidArgument);
}

TEST_CASE("mcp message: an error response is JSON whatever bytes its message has", "[mcp]") {
  std::string line = error_response("7", -32603, "bad \x80 byte");
  CHECK(line == "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,\"message\":\"bad \xEF\xBF\xBD byte\"}}");
}

TEST_CASE("mcp message: an initialize without params is passed on as sent", "[mcp]") {
  auto m = classify_message(R"({"jsonrpc":"2.0","id":1,"method":"initialize"})");
  CHECK(m.is_initialize());
  CHECK(!m.protocol_version);
  CHECK(m.line == R"({"jsonrpc":"2.0","id":1,"method":"initialize"})");  // no "params":null added
}

TEST_CASE("mcp message: error responses carry the id and the reason", "[mcp]") {
  CHECK(error_response("\"r1\"", -32000, "gone") ==
        R"({"jsonrpc":"2.0","id":"r1","error":{"code":-32000,"message":"gone"}})");
  CHECK(error_response("null", -32600, "bad") ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad"}})");
}
