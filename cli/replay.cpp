// `ssetool replay`: not built yet (issue #5). It refuses to run rather than pretend to work.
#include "command.hpp"

namespace ssetool::cli {

Runner add_replay_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("replay", "Serve recorded streams as mock SSE endpoints");
  sub->allow_extras();
  return [] {
    print_error("replay", "not built yet in this version (see issue #5)");
    return kExitUsage;
  };
}

}  // namespace ssetool::cli
