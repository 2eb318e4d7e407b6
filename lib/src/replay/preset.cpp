// Provider presets (see replay/preset.hpp): names, tokens, timing and the request's facts; the events of each
// provider are built in preset_openai_chat.cpp, preset_openai_responses.cpp and preset_anthropic_messages.cpp.
#include "ssetool/replay/preset.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "preset_stream.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/json_input.hpp"

namespace ssetool {
namespace {

using std::chrono::microseconds;

struct PresetName {
  PresetKind kind;
  std::string_view name;
  std::string_view path;
};
constexpr std::array<PresetName, 3> kPresets = {{
    {PresetKind::openai_chat, "openai-chat", "/v1/chat/completions"},
    {PresetKind::openai_responses, "openai-responses", "/v1/responses"},
    {PresetKind::anthropic_messages, "anthropic-messages", "/v1/messages"},
}};

// Tool input JSON is sent in pieces of about this many bytes, as the providers do.
constexpr std::size_t kToolPieceBytes = 12;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Pieces of about kToolPieceBytes, never cutting a UTF-8 sequence.
std::vector<std::string> cut_json(const std::string& json) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < json.size()) {
    std::size_t end = std::min(start + kToolPieceBytes, json.size());
    while (end < json.size() && (static_cast<unsigned char>(json[end]) & 0xC0) == 0x80) ++end;
    pieces.push_back(json.substr(start, end - start));
    start = end;
  }
  return pieces;
}

// `count` times from `start`, one gap of 1/tps apart, each gap varied by up to ±jitter of itself.
std::vector<microseconds> token_times(std::size_t count, microseconds start, const Preset& preset,
                                      std::mt19937_64& random) {
  std::vector<microseconds> times;
  double gap = preset.tps > 0 ? 1e6 / preset.tps : 0;
  std::uniform_real_distribution<double> spread(-preset.jitter, preset.jitter);
  double at = static_cast<double>(start.count());
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) at += gap * (1 + spread(random));
    times.emplace_back(static_cast<std::int64_t>(at));
  }
  return times;
}

// The request's "model" when it is a non-empty string; JSON_too_deep bodies are not parsed.
std::string request_model(const PresetJson& body) {
  if (body.is_object() && body.contains("model") && body["model"].is_string() && !body["model"].get<std::string>().empty())
    return body["model"].get<std::string>();
  return std::string(kDefaultPresetModel);
}

PresetJson parse_body(const std::string& body) {
  if (json_too_deep_at(body) != std::string::npos) return nullptr;
  PresetJson parsed = PresetJson::parse(body, nullptr, false);
  return parsed.is_discarded() ? PresetJson() : parsed;
}

bool wants_usage(const PresetJson& body) {
  if (!body.is_object()) return false;
  auto options = body.find("stream_options");
  if (options == body.end() || !options->is_object()) return false;
  auto include = options->find("include_usage");
  return include != options->end() && include->is_boolean() && include->get<bool>();
}

}  // namespace

PresetKind parse_preset_kind(std::string_view name) {
  for (const PresetName& p : kPresets)
    if (p.name == name) return p.kind;
  throw InvalidArgument("'" + std::string(name) + "': unknown preset (expected " + std::string(kPresetNames) + ")");
}

std::string_view to_string(PresetKind kind) {
  for (const PresetName& p : kPresets)
    if (p.kind == kind) return p.name;
  return "?";
}

std::string_view default_path(PresetKind kind) {
  for (const PresetName& p : kPresets)
    if (p.kind == kind) return p.path;
  return "/";
}

void check_preset(const Preset& preset) {
  if (!(preset.tps >= 0) || !std::isfinite(preset.tps))
    throw InvalidArgument(fmt::format("tps {}: must be a number of tokens per second >= 0 (0: no wait)", preset.tps));
  if (!(preset.jitter >= 0 && preset.jitter <= 1))
    throw InvalidArgument(fmt::format("jitter {}: must be from 0% to 100%", preset.jitter * 100));
  if (!preset.tool_use) return;
  if (preset.kind != PresetKind::anthropic_messages)
    throw InvalidArgument("tool_use: only the anthropic-messages preset has a tool_use block");
  if (preset.tool_use->name.empty()) throw InvalidArgument("tool_use: the tool needs a name");
  PresetJson input = PresetJson::parse(preset.tool_use->input, nullptr, false);
  if (input.is_discarded() || !input.is_object()) throw InvalidArgument("tool_use: the input must be a JSON object");
}

double parse_percentage(std::string_view text) {
  std::string number(text.substr(0, text.size() - (text.ends_with('%') ? 1 : 0)));
  char* end = nullptr;
  errno = 0;
  double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (!text.ends_with('%') || errno != 0 || end != number.c_str() + number.size() || !(value >= 0 && value <= 100))
    throw InvalidArgument("'" + std::string(text) + "': expected a percentage from 0% to 100%, like 20%");
  return value / 100;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InvalidArgument(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  return text.str();
}

std::vector<std::string> preset_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    bool cut = i == text.size() || (is_space(text[i]) && !is_space(text[i - 1]));
    if (cut) {
      tokens.emplace_back(text.substr(start, i - start));
      start = i;
    }
  }
  return tokens;
}

std::string PresetContext::text() const {
  std::string all;
  for (const std::string& t : tokens) all += t;
  return all;
}

std::string PresetContext::new_id(std::string_view prefix) {
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(prefix);
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  for (int i = 0; i < 24; ++i) id += kAlphabet[pick(random)];
  return id;
}

void PresetEvents::add(microseconds at, const std::optional<std::string>& type, const PresetJson& data) {
  Event event;
  event.type = type;
  event.data = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ReplayItem item;
  item.at = at;
  item.bytes = std::make_shared<const std::string>(encode(event));
  item.event = std::move(event);
  item.dispatches = true;
  item.last_id = std::string();
  response_.items.push_back(std::move(item));
  response_.end_at = at;
  ++response_.event_count;
}

void PresetEvents::add_text(microseconds at, const std::string& data) {
  add(at, std::nullopt, PresetJson());  // then replace its data: [DONE] is not JSON
  ReplayItem& item = response_.items.back();
  item.event->data = data;
  item.bytes = std::make_shared<const std::string>(encode(*item.event));
}

ReplayResponse PresetEvents::take() { return std::move(response_); }

std::shared_ptr<const Recording> synthesize(const Preset& preset, const Request& request, std::uint64_t seed) {
  PresetJson body = parse_body(request.body);
  PresetContext context{preset};
  context.random.seed(seed);
  context.model = request_model(body);
  context.input_tokens = (request.body.size() + 3) / 4;
  context.include_usage = wants_usage(body);
  context.tokens = preset_tokens(preset.text);
  if (preset.tool_use) context.tool_pieces = cut_json(preset.tool_use->input);
  context.start = preset.ttft;
  auto times = token_times(context.output_tokens(), preset.ttft, preset, context.random);
  context.token_at.assign(times.begin(), times.begin() + static_cast<long>(context.tokens.size()));
  context.tool_at.assign(times.begin() + static_cast<long>(context.tokens.size()), times.end());
  context.end = times.empty() ? context.start : times.back();
  context.created = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();

  PresetEvents events;
  switch (preset.kind) {
    case PresetKind::openai_chat: openai_chat_events(context, events); break;
    case PresetKind::openai_responses: openai_responses_events(context, events); break;
    case PresetKind::anthropic_messages: anthropic_messages_events(context, events); break;
  }
  auto recording = std::make_shared<Recording>();
  recording->path = "preset " + std::string(to_string(preset.kind));
  recording->responses.push_back(events.take());
  return recording;
}

}  // namespace ssetool
