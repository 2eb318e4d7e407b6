// testsupport::replay_sample and start_replay — shorthands for the integration tests of `ssetool replay`:
//
//   auto server = testsupport::start_replay({testsupport::replay_sample("openai-chat.sse"), "--speed", "0"});
#pragma once

#include <string>
#include <vector>

#include "ssetool_process.hpp"

namespace testsupport {

// The path of a sample recording in tests/data/replay.
inline std::string replay_sample(const std::string& name) {
  return std::string(SSETOOL_TEST_DATA) + "/replay/" + name;
}

// Starts `ssetool replay ARGS...` on port 0 (see start_ssetool).
inline SsetoolProcess start_replay(std::vector<std::string> args) {
  args.insert(args.begin(), "replay");
  return start_ssetool(args);
}

}  // namespace testsupport
