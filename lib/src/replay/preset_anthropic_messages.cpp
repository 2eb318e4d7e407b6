// The anthropic-messages preset (see replay/preset.hpp): Anthropic's Messages stream, with the event type both in
// the SSE "event:" field and in the data's "type": message_start, a ping, a text block (content_block_start, a
// text_delta per token, content_block_stop; none for an empty text), a tool_use block when the preset has one
// (its input as input_json_delta pieces), message_delta (stop_reason "end_turn", or "tool_use", and the usage),
// message_stop.
#include "preset_stream.hpp"

namespace ssetool {
namespace {

class MessagesStream {
 public:
  MessagesStream(PresetContext& context, PresetEvents& events) : context_(context), events_(events) {}

  void build() {
    auto t0 = context_.start;
    emit(t0, "message_start", {{"message", message()}});
    emit(t0, "ping", PresetJson::object());
    int index = 0;
    if (!context_.tokens.empty()) text_block(index++);
    if (context_.preset.tool_use) tool_block(index++);
    std::string stop = context_.preset.tool_use ? "tool_use" : "end_turn";
    emit(context_.end, "message_delta",
         {{"delta", {{"stop_reason", stop}, {"stop_sequence", nullptr}}},
          {"usage", {{"input_tokens", context_.input_tokens}, {"output_tokens", context_.output_tokens()}}}});
    emit(context_.end, "message_stop", PresetJson::object());
  }

 private:
  void emit(std::chrono::microseconds at, const std::string& type, const PresetJson& fields) {
    PresetJson data = {{"type", type}};
    for (auto& [key, value] : fields.items()) data[key] = value;
    events_.add(at, type, data);
  }

  PresetJson message() {
    return {{"id", context_.new_id("msg_")},
            {"type", "message"},
            {"role", "assistant"},
            {"model", context_.model},
            {"content", PresetJson::array()},
            {"stop_reason", nullptr},
            {"stop_sequence", nullptr},
            {"usage", {{"input_tokens", context_.input_tokens}, {"output_tokens", 1}}}};
  }

  void text_block(int index) {
    emit(context_.token_at.front(), "content_block_start",
         {{"index", index}, {"content_block", {{"type", "text"}, {"text", ""}}}});
    for (std::size_t i = 0; i < context_.tokens.size(); ++i)
      emit(context_.token_at[i], "content_block_delta",
           {{"index", index}, {"delta", {{"type", "text_delta"}, {"text", context_.tokens[i]}}}});
    emit(context_.token_at.back(), "content_block_stop", {{"index", index}});
  }

  void tool_block(int index) {
    const PresetToolUse& tool = *context_.preset.tool_use;
    auto first = context_.tool_at.empty() ? context_.end : context_.tool_at.front();
    emit(first, "content_block_start",
         {{"index", index},
          {"content_block",
           {{"type", "tool_use"}, {"id", context_.new_id("toolu_")}, {"name", tool.name}, {"input", PresetJson::object()}}}});
    for (std::size_t i = 0; i < context_.tool_pieces.size(); ++i)
      emit(context_.tool_at[i], "content_block_delta",
           {{"index", index}, {"delta", {{"type", "input_json_delta"}, {"partial_json", context_.tool_pieces[i]}}}});
    emit(context_.end, "content_block_stop", {{"index", index}});
  }

  PresetContext& context_;
  PresetEvents& events_;
};

}  // namespace

void anthropic_messages_events(PresetContext& context, PresetEvents& events) { MessagesStream(context, events).build(); }

}  // namespace ssetool
