// The openai-responses preset (see replay/preset.hpp): OpenAI's Responses API stream, with the event type both
// in the SSE "event:" field and in the data's "type", and a sequence_number counting every event:
//   response.created, response.in_progress, response.output_item.added (one assistant message),
//   response.content_part.added (one output_text), response.output_text.delta per token,
//   response.output_text.done, response.content_part.done, response.output_item.done, response.completed (usage).
#include "preset_stream.hpp"

namespace ssetool {
namespace {

class ResponsesStream {
 public:
  ResponsesStream(PresetContext& context, PresetEvents& events)
      : context_(context), events_(events), id_(context.new_id("resp_")), item_id_(context.new_id("msg_")) {}

  void build() {
    auto t0 = context_.start;
    emit(t0, "response.created", {{"response", response("in_progress", PresetJson::array(), false)}});
    emit(t0, "response.in_progress", {{"response", response("in_progress", PresetJson::array(), false)}});
    emit(t0, "response.output_item.added", {{"output_index", 0}, {"item", message("in_progress", "", false)}});
    emit(t0, "response.content_part.added", part_fields({{"part", text_part("")}}));
    for (std::size_t i = 0; i < context_.tokens.size(); ++i)
      emit(context_.token_at[i], "response.output_text.delta",
           part_fields({{"delta", context_.tokens[i]}, {"logprobs", PresetJson::array()}}));
    auto end = context_.end;
    std::string text = context_.text();
    emit(end, "response.output_text.done", part_fields({{"text", text}, {"logprobs", PresetJson::array()}}));
    emit(end, "response.content_part.done", part_fields({{"part", text_part(text)}}));
    emit(end, "response.output_item.done", {{"output_index", 0}, {"item", message("completed", text, true)}});
    emit(end, "response.completed",
         {{"response", response("completed", PresetJson::array({message("completed", text, true)}), true)}});
  }

 private:
  void emit(std::chrono::microseconds at, const std::string& type, PresetJson fields) {
    PresetJson data = {{"type", type}, {"sequence_number", sequence_++}};
    for (auto& [key, value] : fields.items()) data[key] = value;
    events_.add(at, type, data);
  }

  PresetJson part_fields(PresetJson more) const {
    PresetJson fields = {{"item_id", item_id_}, {"output_index", 0}, {"content_index", 0}};
    for (auto& [key, value] : more.items()) fields[key] = value;
    return fields;
  }

  static PresetJson text_part(const std::string& text) {
    return {{"type", "output_text"}, {"text", text}, {"annotations", PresetJson::array()}, {"logprobs", PresetJson::array()}};
  }

  PresetJson message(const std::string& status, const std::string& text, bool with_content) const {
    return {{"id", item_id_}, {"type", "message"}, {"status", status}, {"role", "assistant"},
            {"content", with_content ? PresetJson::array({text_part(text)}) : PresetJson::array()}};
  }

  PresetJson response(const std::string& status, PresetJson output, bool with_usage) const {
    PresetJson r = {{"id", id_},
                    {"object", "response"},
                    {"created_at", context_.created},
                    {"status", status},
                    {"error", nullptr},
                    {"incomplete_details", nullptr},
                    {"instructions", nullptr},
                    {"model", context_.model},
                    {"output", std::move(output)},
                    {"parallel_tool_calls", true},
                    {"previous_response_id", nullptr},
                    {"temperature", 1.0},
                    {"tool_choice", "auto"},
                    {"tools", PresetJson::array()},
                    {"top_p", 1.0},
                    {"text", {{"format", {{"type", "text"}}}}},
                    {"truncation", "disabled"},
                    {"metadata", PresetJson::object()},
                    {"usage", nullptr}};
    if (with_usage) {
      std::uint64_t output_tokens = context_.output_tokens();
      r["usage"] = {{"input_tokens", context_.input_tokens},
                    {"input_tokens_details", {{"cached_tokens", 0}}},
                    {"output_tokens", output_tokens},
                    {"output_tokens_details", {{"reasoning_tokens", 0}}},
                    {"total_tokens", context_.input_tokens + output_tokens}};
    }
    return r;
  }

  PresetContext& context_;
  PresetEvents& events_;
  std::string id_;
  std::string item_id_;
  std::uint64_t sequence_ = 0;
};

}  // namespace

void openai_responses_events(PresetContext& context, PresetEvents& events) { ResponsesStream(context, events).build(); }

}  // namespace ssetool
