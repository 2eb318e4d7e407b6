// `ssetool pipe`: not built yet (issue #4). It refuses to run rather than pretend to work.
#include "command.hpp"

namespace ssetool::cli {

Runner add_pipe_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("pipe", "Broadcast stdin or a command's output to every connected client");
  sub->allow_extras();
  return [] {
    print_error("pipe", "not built yet in this version (see issue #4)");
    return kExitUsage;
  };
}

}  // namespace ssetool::cli
