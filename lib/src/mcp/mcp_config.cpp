// The --mcp-config file of `serve --mcp` (see mcp/mcp_config.hpp).
#include "ssetool/mcp/mcp_config.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

using nlohmann::ordered_json;

// "LINE:COLUMN" of a byte offset (1-based, as nlohmann counts bytes read).
std::string position(const std::string& text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

bool safe_segment(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

struct EntryReader {
  const std::string& file;
  const std::string& name;

  [[noreturn]] void fail(const std::string& what) const {
    throw InvalidArgument(file + ": server '" + name + "': " + what);
  }
  std::string string(const ordered_json& value, const std::string& what) const {
    if (!value.is_string()) fail(what + ": expected a string");
    auto s = value.get<std::string>();
    if (s.find('\0') != std::string::npos) fail(what + ": contains a NUL character");
    return s;
  }
};

McpConfigServer read_entry(const std::string& file, const std::string& name, const ordered_json& entry,
                           std::vector<std::string>& warnings) {
  EntryReader r{file, name};
  if (!entry.is_object()) r.fail("expected an object {\"command\": ..., \"args\": [...]}");
  McpConfigServer server;
  server.name = name;
  for (const auto& [key, value] : entry.items()) {
    if (key == "command") {
      server.command = r.string(value, "\"command\"");
    } else if (key == "args") {
      if (!value.is_array()) r.fail("\"args\": expected an array of strings");
      for (const auto& arg : value) server.args.push_back(r.string(arg, "\"args\""));
    } else if (key == "env") {
      if (!value.is_object()) r.fail("\"env\": expected an object {\"NAME\": \"value\"}");
      for (const auto& [var, text] : value.items()) {
        if (var.empty() || var.find_first_of("=\0", 0, 2) != std::string::npos)
          r.fail("\"env\": '" + var + "' is not a variable name");
        server.env.emplace_back(var, r.string(text, "\"env\" " + var));
      }
    } else if (key == "cwd") {
      server.cwd = r.string(value, "\"cwd\"");
    } else if (key == "type") {
      if (value != "stdio") r.fail("\"type\": only \"stdio\" servers can be served");
    } else if (key == "url") {
      r.fail("has \"url\", a remote server: only stdio servers (\"command\") can be served");
    } else {
      warnings.push_back(file + ": server '" + name + "': unknown key '" + key + "' (ignored)");
    }
  }
  if (server.command.empty()) r.fail("\"command\" is missing (the stdio MCP server to run)");
  return server;
}

}  // namespace

McpConfig parse_mcp_config(const std::string& text, const std::string& file) {
  ordered_json root;
  try {
    root = ordered_json::parse(text);
  } catch (const ordered_json::parse_error& e) {
    std::string what = e.what();
    if (auto colon = what.rfind(": "); colon != std::string::npos) what = what.substr(colon + 2);
    throw InvalidArgument(file + ":" + position(text, e.byte) + ": " + what);
  } catch (const ordered_json::exception& e) {  // out_of_range: a number like 1e99999
    throw InvalidArgument(file + ": " + e.what());
  }
  const char* shape = "expected {\"mcpServers\": {\"NAME\": {\"command\": ..., \"args\": [...]}}}";
  if (!root.is_object() || !root.contains("mcpServers") || !root["mcpServers"].is_object())
    throw InvalidArgument(file + ": " + shape);
  McpConfig config;
  for (const auto& [key, value] : root.items())
    if (key != "mcpServers") config.warnings.push_back(file + ": unknown key '" + key + "' (ignored)");
  for (const auto& [name, entry] : root["mcpServers"].items()) {
    if (!safe_segment(name))
      throw InvalidArgument(file + ": server '" + name +
                            "': the name must be a path segment (letters, digits, '.', '_', '-')");
    config.servers.push_back(read_entry(file, name, entry, config.warnings));
  }
  if (config.servers.empty()) throw InvalidArgument(file + ": \"mcpServers\" is empty: " + shape);
  return config;
}

McpConfig read_mcp_config(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InvalidArgument("--mcp-config " + file + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_mcp_config(text.str(), file);
}

void check_mcp_config_dirs(const McpConfig& config, const std::string& file) {
  for (const auto& server : config.servers) {
    if (server.cwd.empty()) continue;
    std::string where = file + ": server '" + server.name + "': cwd '" + server.cwd + "': ";
    struct stat st {};
    if (::stat(server.cwd.c_str(), &st) != 0) throw InvalidArgument(where + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) throw InvalidArgument(where + "not a directory");
    if (::access(server.cwd.c_str(), X_OK) != 0) throw InvalidArgument(where + std::strerror(errno));
  }
}

}  // namespace ssetool
